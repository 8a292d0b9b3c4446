//! `admin.users.session.*`: session settings of an Enterprise organisation's users.

pub mod clear_settings;
pub mod get_settings;
pub mod invalidate;
pub mod list;
pub mod reset;
pub mod reset_bulk;
pub mod set_settings;

pub use clear_settings::ClearSettings;
pub use get_settings::{GetSettings, GetSettingsOutput, MalformedEntry, UserSessionSettings};
pub use invalidate::{InvalidateSession, SessionOwner};
pub use list::{ActiveSession, ListSessions, ListSessionsOutput, SessionInfo};
pub use reset::{ResetScope, ResetSessions};
pub use reset_bulk::ResetSessionsBulk;
pub use set_settings::{SessionSettings, SetSettings};
