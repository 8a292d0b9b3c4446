//! Reading user IDs (or emails) from arguments, a file, stdin or a CSV, keeping where
//! each came from.
//!
//! A users file is either a plain list (one ID a line, `#` comments and blank lines
//! ignored) or a CSV (RFC 4180: quoted fields may hold commas, quotes and line breaks)
//! whose header names a `user_id` or `id` column. It is a CSV when its first line that is
//! not blank or a comment holds a comma, or is just `user_id` or `id`. An emails file
//! is the same with an `email` column ([`Columns`]).

use std::io::Read;
use std::path::Path;

use slack_sessions_core::UserId;

/// The most characters of an input echoed back in a message or a report.
pub(crate) const ECHO_CHARS: usize = 80;

/// One input string and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Input {
    /// The user ID as given (for a CSV row, its user column).
    pub(crate) text: String,
    /// Where it came from: `argument 2`, `line 7 of users.csv`.
    pub(crate) origin: String,
    /// Why the input holds no user ID at all (a CSV row without the user column); such an
    /// input is never sent.
    pub(crate) problem: Option<String>,
}

/// `s` cut to [`ECHO_CHARS`] characters, with an ellipsis when cut, and its control
/// characters escaped, for messages.
pub(crate) fn echo(s: &str) -> String {
    match s.char_indices().nth(ECHO_CHARS) {
        Some((at, _)) => format!("{}…", crate::escape::clean(&s[..at])),
        None => crate::escape::clean(s).into_owned(),
    }
}

/// Input texts packed in one buffer: a million IDs take about 14 MB, not the 100 MB of
/// a `String` each.
#[derive(Debug, Default, Clone)]
pub(crate) struct Texts {
    buf: String,
    ends: Vec<u32>,
}

impl Texts {
    /// Appends one text.
    pub(crate) fn push(&mut self, s: &str) {
        self.buf.push_str(s);
        self.ends
            .push(u32::try_from(self.buf.len()).unwrap_or(u32::MAX));
    }

    /// The texts, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> + Send + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(a, b)| self.buf.get(a as usize..b as usize).unwrap_or_default())
    }

    /// Gives back the room left over from growing.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// How many.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The bytes the texts take.
    pub(crate) fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Keeps the texts `keep` says yes to.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let mut out = Texts::default();
        for t in self.iter() {
            if keep(t) {
                out.push(t);
            }
        }
        *self = out;
    }
}

impl<'a> FromIterator<&'a str> for Texts {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut t = Texts::default();
        for s in iter {
            t.push(s);
        }
        t
    }
}

/// Everything read from the command line and the users file: the texts to send (valid
/// or not, so that the report accounts for each), and the inputs that are not user IDs,
/// with where they came from and why.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    /// Every input that holds a text, packed.
    pub(crate) texts: Texts,
    /// The inputs that are not user IDs (and CSV rows without a user column), with why.
    pub(crate) bad: Vec<(Input, String)>,
    /// Inputs read, good and bad.
    pub(crate) count: usize,
}

impl Collected {
    /// Keeps `text` packed; and, when it is not a user ID, the input with its origin
    /// (made only then: a good input costs no allocation).
    fn take(&mut self, text: &str, problem: Option<String>, origin: impl FnOnce() -> String) {
        self.count += 1;
        let why = match &problem {
            Some(p) => Some(p.clone()),
            None => UserId::new(text).err().map(|e| e.to_string()),
        };
        if problem.is_none() {
            self.texts.push(text);
        }
        if let Some(why) = why {
            let input = Input {
                text: text.to_owned(),
                origin: origin(),
                problem,
            };
            self.bad.push((input, why));
        }
    }
}

/// One input of a file as it is read: its text (trimmed), its line, and why it holds
/// no user ID at all, if it does not.
struct Raw<'a> {
    text: &'a str,
    line: u64,
    problem: Option<String>,
}

/// The longest line of a users file read: a user ID is a dozen characters, and a CSV
/// row of an export is far shorter than this.
pub(crate) const MAX_LINE: usize = 64 << 10;

/// The longest CSV record read (a quoted field may hold line breaks).
pub(crate) const MAX_RECORD: usize = 1 << 20;

/// The most bytes of user IDs kept: they are packed with 32-bit offsets.
const MAX_TEXTS: usize = u32::MAX as usize - (1 << 20);

/// Reads the users named on the command line and in `file` (`-` is stdin), keeping only
/// the texts, packed, and the inputs that are not user IDs with where they came from.
/// The file is streamed: a line at a time, each at most [`MAX_LINE`] bytes.
pub(crate) fn collect(ids: &[String], file: Option<&Path>) -> Result<Collected, String> {
    let mut out = Collected::default();
    for (i, s) in ids.iter().enumerate() {
        out.take(s.trim(), None, || format!("argument {}", i + 1));
    }
    if let Some(path) = file {
        read_file(
            path,
            "users file",
            &USER_COLUMNS,
            |text, problem, origin| {
                out.take(text, problem, origin);
                if out.texts.bytes() > MAX_TEXTS {
                    return Err(format!(
                        "{} holds over 4 GiB of user IDs; split it",
                        path.display()
                    ));
                }
                Ok(())
            },
        )?;
    }
    out.texts.shrink_to_fit();
    Ok(out)
}

/// One ID a line, or a CSV with a `user_id`/`id` column, as inputs. Fails only on a CSV
/// whose header has no such column, or a line or record over the bounds. (The run
/// streams with [`collect`]; the tests and the `users_file` fuzz target read whole
/// files.)
#[allow(dead_code)]
pub(crate) fn parse_file(name: &str, bytes: &[u8]) -> Result<Vec<Input>, String> {
    let mut out = Vec::new();
    read_stream(name, bytes, &USER_COLUMNS, &mut |r| {
        out.push(Input {
            text: r.text.to_owned(),
            origin: format!("line {} of {name}", r.line),
            problem: r.problem,
        });
        Ok(())
    })?;
    Ok(out)
}

/// What receives the inputs of a file, one at a time.
type Sink<'s> = dyn FnMut(Raw<'_>) -> Result<(), String> + 's;

/// Which CSV columns a file's inputs come from, the first one the header names, and what
/// its lines are, for messages.
pub(crate) struct Columns {
    /// Header names, by preference.
    pub(crate) names: &'static [&'static str],
    /// What the file lists: `user IDs`, `emails`.
    pub(crate) what: &'static str,
}

/// A users file: `user_id` or `id`.
pub(crate) const USER_COLUMNS: Columns = Columns {
    names: &["user_id", "id"],
    what: "user IDs",
};

/// Reads the inputs of the file at `path` (`-` is stdin; `label` names it in messages:
/// `users file`) from `columns`, streamed, each to `each` with where it came from.
pub(crate) fn read_file(
    path: &Path,
    label: &str,
    columns: &Columns,
    mut each: impl FnMut(&str, Option<String>, &dyn Fn() -> String) -> Result<(), String>,
) -> Result<(), String> {
    let (name, reader): (String, Box<dyn Read>) = if path == Path::new("-") {
        ("stdin".to_owned(), Box::new(std::io::stdin().lock()))
    } else {
        let f = std::fs::File::open(path)
            .map_err(|e| format!("cannot read {label} {}: {e}", path.display()))?;
        (path.display().to_string(), Box::new(f))
    };
    read_stream(&name, reader, columns, &mut |r| {
        each(r.text, r.problem, &|| format!("line {} of {name}", r.line))
    })
}

/// The lines of a file, numbered, each bounded.
struct Lines<R> {
    reader: std::io::BufReader<R>,
    buf: Vec<u8>,
    /// The number of the line in `buf`.
    number: u64,
    name: String,
    /// What the file lists, for messages.
    what: &'static str,
}

impl<R: Read> Lines<R> {
    /// The next line, without its line break; `None` at the end.
    fn next(&mut self) -> Result<Option<&[u8]>, String> {
        self.number += 1;
        let read = crate::bounded::next_line(&mut self.reader, &mut self.buf, MAX_LINE)
            .map_err(|e| format!("cannot read {}: {e}", self.name))?;
        match read {
            crate::bounded::Line::End => Ok(None),
            crate::bounded::Line::TooLong => Err(format!(
                "line {} of {} is over {}: not a list of {} or a CSV",
                self.number,
                self.name,
                crate::bounded::size(MAX_LINE),
                self.what
            )),
            crate::bounded::Line::Text { .. } => {
                // Spreadsheet exports often start with a byte-order mark.
                let line = &self.buf[..];
                Ok(Some(if self.number == 1 {
                    line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
                } else {
                    line
                }))
            }
        }
    }
}

/// Hands each input of the file to `sink`, in order, without keeping them. The file is
/// a CSV when its first line that is not blank or a `#` comment holds a comma, or is
/// just `user_id` or `id`; comments are skipped only before that line in a CSV, and on
/// every line of a plain list.
fn read_stream(
    name: &str,
    reader: impl Read,
    columns: &Columns,
    sink: &mut Sink<'_>,
) -> Result<(), String> {
    let mut lines = Lines {
        reader: std::io::BufReader::with_capacity(64 << 10, reader),
        buf: Vec::new(),
        number: 0,
        name: name.to_owned(),
        what: columns.what,
    };
    let content = |l: &[u8]| {
        let l = l.trim_ascii();
        !l.is_empty() && !l.starts_with(b"#")
    };
    let first = loop {
        match lines.next()? {
            None => return Ok(()),
            Some(l) if content(l) => break l.trim_ascii().to_vec(),
            Some(_) => {}
        }
    };
    let bare = String::from_utf8_lossy(&first).to_ascii_lowercase();
    let bare = bare.trim_matches('"');
    if first.contains(&b',') || columns.names.contains(&bare) {
        let start = lines.number;
        return read_csv(name, first, start, lines, columns, sink);
    }
    let mut plain = |line: &[u8], number: u64| {
        let text = String::from_utf8_lossy(without_comment(line).trim_ascii());
        sink(Raw {
            text: text.trim_matches('"').trim(),
            line: number,
            problem: None,
        })
    };
    plain(&first, lines.number)?;
    loop {
        let l = match lines.next()? {
            None => break,
            Some(l) if content(l) => l.to_vec(),
            Some(_) => continue,
        };
        plain(&l, lines.number)?;
    }
    Ok(())
}

/// A plain list's line without a comment at its end: `U00000027  # the CEO` is
/// `U00000027`. A comment starts at a `#` after white space (no ID or email holds
/// white space, and an email may hold a `#` of its own).
fn without_comment(line: &[u8]) -> &[u8] {
    let cut = line
        .windows(2)
        .position(|w| w[0].is_ascii_whitespace() && w[1] == b'#');
    match cut {
        Some(at) => &line[..at],
        None => line,
    }
}

/// The rest of a file, from its header line on, as the CSV reader sees it: each line
/// bounded and ended with `\n`, and no more than the budget of the record being read.
/// It notes where each line starts, so that a record's line is the file's own (the
/// reader's count is off after CRLF and blank lines).
struct CsvFeed<R> {
    header: Option<(Vec<u8>, u64)>,
    lines: Lines<R>,
    pending: Vec<u8>,
    at: usize,
    given: u64,
    /// No more than this many bytes may be given: the record being read would be over
    /// [`MAX_RECORD`].
    budget: std::rc::Rc<std::cell::Cell<u64>>,
    /// (offset in the stream, line of the file, whether it is empty) of each line given
    /// and not yet passed by a record.
    starts: std::rc::Rc<std::cell::RefCell<std::collections::VecDeque<(u64, u64, bool)>>>,
}

/// The file line of the record the reader started at stream offset `byte`: the first
/// line there that is not empty (the reader skips empty lines as part of the record).
fn record_line(
    starts: &std::cell::RefCell<std::collections::VecDeque<(u64, u64, bool)>>,
    byte: u64,
) -> u64 {
    let mut starts = starts.borrow_mut();
    while starts.front().is_some_and(|&(at, _, _)| at < byte) {
        starts.pop_front();
    }
    starts
        .iter()
        .find(|&&(_, _, empty)| !empty)
        .map_or(0, |&(_, line, _)| line)
}

impl<R: Read> Read for CsvFeed<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
        if self.at == self.pending.len() {
            self.pending.clear();
            self.at = 0;
            let line = if let Some((h, line)) = self.header.take() {
                self.pending = h;
                line
            } else {
                match self.lines.next().map_err(invalid)? {
                    None => return Ok(0),
                    Some(l) => self.pending.extend_from_slice(l),
                }
                self.lines.number
            };
            self.starts
                .borrow_mut()
                .push_back((self.given, line, self.pending.is_empty()));
            self.pending.push(b'\n');
        }
        let n = out.len().min(self.pending.len() - self.at);
        if self.given + n as u64 > self.budget.get() {
            return Err(invalid(format!(
                "a CSV record of {} from line {} on is over {}: is a quote left open?",
                self.lines.name,
                self.lines.number,
                crate::bounded::size(MAX_RECORD)
            )));
        }
        out[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        self.given += n as u64;
        Ok(n)
    }
}

/// Reads a CSV whose first record, on line `start` of the file, is the header. In a CSV
/// `#` starts no comment: a row whose user cell is `#N/A` is an invalid input.
fn read_csv<R: Read>(
    name: &str,
    header: Vec<u8>,
    start: u64,
    lines: Lines<R>,
    columns: &Columns,
    sink: &mut Sink<'_>,
) -> Result<(), String> {
    let budget = std::rc::Rc::new(std::cell::Cell::new(0));
    let starts = std::rc::Rc::default();
    let feed = CsvFeed {
        header: Some((header, start)),
        lines,
        pending: Vec::new(),
        at: 0,
        given: 0,
        budget: std::rc::Rc::clone(&budget),
        starts: std::rc::Rc::clone(&starts),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        // Every line ends in `\n` here: a lone `\r` is no line break.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(feed);
    let mut record = csv::ByteRecord::new();
    let mut column = None;
    loop {
        // What the reader holds ahead of the record, plus the record itself.
        budget.set(reader.position().byte() + (64 << 10) + MAX_RECORD as u64);
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| match e.kind() {
                csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                    io.to_string()
                }
                _ => format!("cannot read {name} as CSV: {e}"),
            })?;
        if !more {
            return Ok(());
        }
        let line = record_line(&starts, record.position().map_or(0, |p| p.byte()));
        // A line of spaces reads as one empty field: it is blank.
        if record.iter().all(<[u8]>::is_empty) {
            continue;
        }
        let Some(c) = column else {
            let header: Vec<String> = record
                .iter()
                .map(|h| String::from_utf8_lossy(h).to_ascii_lowercase())
                .collect();
            let found = columns
                .names
                .iter()
                .find_map(|want| header.iter().position(|h| h == want));
            match found {
                Some(c) => column = Some(c),
                None => {
                    return Err(format!(
                        "{name} reads as a CSV, but its header (line {line}) has no {} column",
                        columns.names.join(" or ")
                    ))
                }
            }
            continue;
        };
        match record.get(c) {
            Some(field) => sink(Raw {
                text: String::from_utf8_lossy(field).trim(),
                line,
                problem: None,
            })?,
            None => {
                let row: Vec<_> = record.iter().map(String::from_utf8_lossy).collect();
                sink(Raw {
                    text: &row.join(","),
                    line,
                    problem: Some(format!(
                        "the row has {} field(s) and no user column (field {})",
                        record.len(),
                        c + 1
                    )),
                })?;
            }
        }
    }
}

/// The inputs that hold no valid user ID, with where they came from and why.
#[cfg(test)]
fn invalid(inputs: &[Input]) -> Vec<(&Input, String)> {
    inputs
        .iter()
        .filter_map(|i| match &i.problem {
            Some(p) => Some((i, p.clone())),
            None => UserId::new(&i.text).err().map(|e| (i, e.to_string())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[Input]) -> Vec<&str> {
        v.iter().map(|i| i.text.as_str()).collect()
    }

    fn parse(name: &str, text: &str) -> Vec<Input> {
        parse_file(name, text.as_bytes()).unwrap()
    }

    #[test]
    fn plain_lists_with_comments() {
        let v = parse("f", "# header comment\nU1\n\n  W2  \n# x\nbad\n");
        assert_eq!(texts(&v), ["U1", "W2", "bad"]);
        assert_eq!(v[2].origin, "line 6 of f");
        // A comment at the end of a line is a comment; a `#` inside a value is not.
        let v = parse(
            "f",
            "U00000027  # CEO - never touch\nU00000028\t#x\nU1#2\na#b@x.io # note\n",
        );
        assert_eq!(texts(&v), ["U00000027", "U00000028", "U1#2", "a#b@x.io"]);
    }

    #[test]
    fn csv_with_a_user_id_or_id_column() {
        let v = parse("f.csv", "name,user_id,team\nAda,U1,T1\nBob,W2,T1\n");
        assert_eq!(texts(&v), ["U1", "W2"]);
        assert_eq!(v[0].origin, "line 2 of f.csv");
        let v = parse("f.csv", "\"id\",\"email\"\n\"U9\",\"a@b\"\n");
        assert_eq!(v[0].text, "U9");
        let v = parse("f.csv", "id\nU7\n");
        assert_eq!(texts(&v), ["U7"]);
        let v = parse("f.csv", "ID , Name\n U7 , x\n");
        assert_eq!(texts(&v), ["U7"]);
    }

    /// The wrong-user bug: a quoted comma in an earlier column shifted the user column.
    #[test]
    fn quoted_commas_never_shift_the_user_column() {
        let v = parse(
            "f.csv",
            "name,manager_id,user_id\n\"Doe, Jane\",U00000099,U00000001\n",
        );
        assert_eq!(texts(&v), ["U00000001"]);
        let v = parse("f.csv", "name,user_id\n\"Doe, Jane\",U00000001\n");
        assert_eq!(texts(&v), ["U00000001"]);
        assert_eq!(v[0].origin, "line 2 of f.csv");
        // Escaped quotes and a line break inside a quoted field keep later line numbers.
        let v = parse(
            "f.csv",
            "name,user_id\n\"Jane \"\"JD\"\" Doe\nsecond line\",U00000001\nBob,U00000002\n",
        );
        assert_eq!(texts(&v), ["U00000001", "U00000002"]);
        assert_eq!(v[0].origin, "line 2 of f.csv");
        assert_eq!(v[1].origin, "line 4 of f.csv");
    }

    #[test]
    fn a_row_without_the_user_column_is_invalid_with_its_line() {
        let v = parse(
            "f.csv",
            "name,manager_id,user_id\nAda,U00000099\nBob,U2,U00000003\n",
        );
        assert_eq!(v.len(), 2);
        assert!(v[0].problem.is_some());
        assert_eq!(v[0].origin, "line 2 of f.csv");
        let bad = invalid(&v);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].1.contains("no user column"), "{}", bad[0].1);
        assert_eq!(v[1].text, "U00000003");
        assert!(v[1].problem.is_none());
    }

    #[test]
    fn a_csv_header_without_a_user_column_is_refused() {
        let e = parse_file("f.csv", b"name,email\nAda,a@b\n").unwrap_err();
        assert_eq!(
            e,
            "f.csv reads as a CSV, but its header (line 1) has no user_id or id column"
        );
    }

    #[test]
    fn comments_before_the_header_and_blank_lines_in_a_csv() {
        let v = parse("f.csv", "# export\n\nuser_id,name\nU1,a\n   \nU2,b\n");
        assert_eq!(texts(&v), ["U1", "U2"]);
        assert_eq!(v[1].origin, "line 6 of f.csv");
    }

    /// In a CSV `#` starts no comment: a spreadsheet's `#N/A` is an invalid input, not
    /// a row dropped in silence.
    #[test]
    fn a_hash_in_a_csv_is_data() {
        let v = parse("f.csv", "user_id,name\n#N/A,Ada\nU1,a\n# note,x\n");
        assert_eq!(texts(&v), ["#N/A", "U1", "# note"]);
        let bad = invalid(&v);
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0].0.origin, "line 2 of f.csv");
        assert_eq!(bad[1].0.origin, "line 4 of f.csv");
    }

    #[test]
    fn crlf_files_keep_their_line_numbers() {
        let v = parse(
            "f.csv",
            "user_id,name\r\nU1,a\r\n\r\nW2,b\r\n\"x\r\ny\",z\r\nbad,c\r\n",
        );
        let origins: Vec<&str> = v.iter().map(|i| i.origin.as_str()).collect();
        assert_eq!(
            origins,
            [
                "line 2 of f.csv",
                "line 4 of f.csv",
                "line 5 of f.csv",
                "line 7 of f.csv"
            ]
        );
        let v = parse("f", "U1\r\n\r\nbad\r\n");
        assert_eq!(v[1].origin, "line 3 of f");
    }

    #[test]
    fn reads_are_bounded() {
        let long = format!("U1\n{}\n", "x".repeat(MAX_LINE + 1));
        let e = parse_file("f", long.as_bytes()).unwrap_err();
        assert_eq!(
            e,
            "line 2 of f is over 64 KiB: not a list of user IDs or a CSV"
        );
        let mut open_quote = b"user_id,name\nU1,\"".to_vec();
        for _ in 0..40 {
            open_quote.extend_from_slice(&[b'y'; 60_000]);
            open_quote.push(b'\n');
        }
        let e = parse_file("f.csv", &open_quote).unwrap_err();
        assert!(e.contains("over 1 MiB: is a quote left open?"), "{e}");
        let mut out = Vec::new();
        let e = read_stream("/dev/zero", std::io::repeat(0), &USER_COLUMNS, &mut |r| {
            out.push(r.line);
            Ok(())
        })
        .unwrap_err();
        assert_eq!(
            e,
            "line 1 of /dev/zero is over 64 KiB: not a list of user IDs or a CSV"
        );
        assert!(out.is_empty());
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let v = parse("f.csv", "\u{feff}user_id,name\r\nU1,a\r\nW2,b\r\n");
        assert_eq!(texts(&v), ["U1", "W2"]);
        let v = parse("f", "\u{feff}U1\r\nU2\r\n");
        assert_eq!(texts(&v), ["U1", "U2"]);
    }

    #[test]
    fn other_columns_need_not_be_utf8() {
        let v = parse_file("f.csv", b"name,user_id\nJos\xe9,U1\n").unwrap();
        assert_eq!(texts(&v), ["U1"]);
    }

    #[test]
    fn invalid_inputs_keep_their_origin() {
        let v = parse("f", "U1\nu2\n");
        let bad = invalid(&v);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0.origin, "line 2 of f");
    }

    /// Found by the `users_file` fuzz target: a vertical tab before an ID on a line.
    #[test]
    fn every_kind_of_white_space_is_trimmed() {
        let v = parse("f", "# list\nU1\n\u{b}  W00000002  \nbad\n");
        assert_eq!(texts(&v), ["U1", "W00000002", "bad"]);
        let v = parse("f.csv", "user_id,name\n\u{b}U1\u{b},a\n");
        assert_eq!(texts(&v), ["U1"]);
    }

    /// Texts are packed, and only the bad inputs keep their origin.
    #[test]
    fn collected_inputs_keep_only_what_a_report_needs() {
        let dir = std::env::temp_dir().join(format!("collect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("u.csv");
        std::fs::write(&path, "user_id,name\nU1,a\nbad,b\n\"\",c\n").unwrap();
        let c = collect(&["W2".into(), "x y".into()], Some(&path)).unwrap();
        assert_eq!(c.count, 5);
        assert_eq!(
            c.texts.iter().collect::<Vec<_>>(),
            ["W2", "x y", "U1", "bad", ""]
        );
        let bad: Vec<(&str, &str)> = c
            .bad
            .iter()
            .map(|(i, _)| (i.text.as_str(), i.origin.as_str()))
            .collect();
        assert_eq!(
            bad,
            [
                ("x y", "argument 2"),
                ("bad", &*format!("line 3 of {}", path.display())),
                ("", &*format!("line 4 of {}", path.display())),
            ]
        );
        let mut t = c.texts.clone();
        t.retain(|s| s.starts_with('U') || s.starts_with('W'));
        assert_eq!(t.iter().collect::<Vec<_>>(), ["W2", "U1"]);
        assert_eq!(t.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn echoes_are_bounded() {
        assert_eq!(echo("U1"), "U1");
        let long = "é".repeat(10_000);
        let e = echo(&long);
        assert_eq!(e.chars().count(), ECHO_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(echo(&"x".repeat(ECHO_CHARS)), "x".repeat(ECHO_CHARS));
    }
}
