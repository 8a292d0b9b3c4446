//! `admin.users.session.*`: session settings of an Enterprise organisation's users.

pub mod clear_settings;
pub mod get_settings;
pub mod set_settings;

pub use clear_settings::ClearSettings;
pub use get_settings::{GetSettings, GetSettingsOutput, UserSessionSettings};
pub use set_settings::{SessionSettings, SetSettings};
