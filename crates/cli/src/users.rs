//! Reading user IDs from arguments, a file, stdin or a CSV, keeping where each came from.

use std::io::Read;
use std::path::Path;

use slack_sessions_core::UserId;

/// One input string and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub text: String,
    pub origin: String,
}

/// Reads the users named on the command line and in `file`.
pub fn collect(ids: &[String], file: Option<&Path>) -> Result<Vec<Input>, String> {
    let mut out: Vec<Input> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| Input {
            text: s.trim().to_owned(),
            origin: format!("argument {}", i + 1),
        })
        .collect();
    if let Some(path) = file {
        let (name, text) = if path == Path::new("-") {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read users from stdin: {e}"))?;
            ("stdin".to_owned(), s)
        } else {
            let s = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read users file {}: {e}", path.display()))?;
            (path.display().to_string(), s)
        };
        out.extend(parse_file(&name, &text));
    }
    Ok(out)
}

/// One ID a line, or a CSV with a `user_id`/`id` column.
pub fn parse_file(name: &str, text: &str) -> Vec<Input> {
    // Spreadsheet exports often start with a byte-order mark and end lines with CRLF.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let Some((first_no, first)) = lines.next() else {
        return Vec::new();
    };
    let header: Vec<String> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let column = if first.contains(',') || matches!(header[0].as_str(), "user_id" | "id") {
        header
            .iter()
            .position(|h| h == "user_id")
            .or_else(|| header.iter().position(|h| h == "id"))
    } else {
        None
    };
    let input = |no: usize, text: &str| Input {
        text: text.trim().trim_matches('"').to_owned(),
        origin: format!("line {no} of {name}"),
    };
    match column {
        Some(c) => lines
            .map(|(no, l)| input(no, l.split(',').nth(c).unwrap_or("")))
            .collect(),
        None => std::iter::once((first_no, first))
            .chain(lines)
            .map(|(no, l)| input(no, l))
            .collect(),
    }
}

/// The inputs that are not user IDs, with where they came from and why.
pub fn invalid(inputs: &[Input]) -> Vec<(Input, String)> {
    inputs
        .iter()
        .filter_map(|i| {
            UserId::new(&i.text)
                .err()
                .map(|e| (i.clone(), e.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lists_with_comments() {
        let v = parse_file("f", "# header comment\nU1\n\n  W2  \n# x\nbad\n");
        let texts: Vec<_> = v.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["U1", "W2", "bad"]);
        assert_eq!(v[2].origin, "line 6 of f");
    }

    #[test]
    fn csv_with_a_user_id_or_id_column() {
        let v = parse_file("f.csv", "name,user_id,team\nAda,U1,T1\nBob,W2,T1\n");
        assert_eq!(
            v.iter().map(|i| i.text.as_str()).collect::<Vec<_>>(),
            ["U1", "W2"]
        );
        assert_eq!(v[0].origin, "line 2 of f.csv");
        let v = parse_file("f.csv", "\"id\",\"email\"\n\"U9\",\"a@b\"\n");
        assert_eq!(v[0].text, "U9");
        let v = parse_file("f.csv", "id\nU7\n");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].text, "U7");
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let v = parse_file("f.csv", "\u{feff}user_id,name\r\nU1,a\r\nW2,b\r\n");
        assert_eq!(
            v.iter().map(|i| i.text.as_str()).collect::<Vec<_>>(),
            ["U1", "W2"]
        );
        let v = parse_file("f", "\u{feff}U1\r\nU2\r\n");
        assert_eq!(
            v.iter().map(|i| i.text.as_str()).collect::<Vec<_>>(),
            ["U1", "U2"]
        );
    }

    #[test]
    fn invalid_inputs_keep_their_origin() {
        let v = parse_file("f", "U1\nu2\n");
        let bad = invalid(&v);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0.origin, "line 2 of f");
    }
}
