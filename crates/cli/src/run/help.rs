//! `slack-sessions completions SHELL` and `slack-sessions man`: the command line itself,
//! as a completion script or a man page.

use crate::args::command;
use crate::exit::Exit;
use crate::fail::Fail;

/// `slack-sessions completions SHELL`.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<Exit, Fail> {
    let mut cmd = command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "slack-sessions", &mut script);
    crate::output::print(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Ok)
}

/// `slack-sessions man`.
pub(crate) fn man_page() -> Result<Exit, Fail> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command())
        .render(&mut page)
        .map_err(|e| crate::output::write_failed(&e))?;
    crate::output::print(&String::from_utf8_lossy(&page))?;
    Ok(Exit::Ok)
}
