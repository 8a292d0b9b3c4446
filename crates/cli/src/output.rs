//! What the command prints, and how: text that came from a server or a file has its
//! control characters escaped before a person sees it, and a closed pipe ends the run
//! quietly instead of being ignored (or panicking, as `println!` does).

use std::io::Write;

pub(crate) use crate::escape::clean;
use crate::exit::Exit;
use crate::fail::Fail;

/// The failure a closed standard output turns into: the conventional exit of a process
/// that a `SIGPIPE` would have ended (128 + 13), with nothing printed.
pub(crate) fn closed_pipe() -> Fail {
    Fail {
        exit: Exit::Pipe,
        message: String::new(),
    }
}

/// Maps a failed write to standard output: a closed pipe ends the run quietly; any
/// other failure (a full disk behind a redirect) is reported.
pub(crate) fn write_failed(e: &std::io::Error) -> Fail {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        closed_pipe()
    } else {
        Fail {
            exit: Exit::Unreachable,
            message: format!("cannot write to standard output: {e}"),
        }
    }
}

/// `println!` for the command's own output: a line on standard output, and on a closed
/// pipe an early return with [`closed_pipe`] (in a function returning `Result<_, Fail>`).
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::println(&format!($($arg)*))?
    };
}
pub(crate) use say;

/// Writes `value` to standard output as one line of JSON, as it is serialized, with no
/// terminal control in it.
pub(crate) fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> Result<(), Fail> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    crate::escape::write_json(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| write_failed(&e))
}

/// Writes `text` to standard output as it is.
pub(crate) fn print(text: &str) -> Result<(), Fail> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| write_failed(&e))
}

/// Writes `text` and a line break to standard output.
pub(crate) fn println(text: &str) -> Result<(), Fail> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| write_failed(&e))
}

/// `n` and the noun, singular for one.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
