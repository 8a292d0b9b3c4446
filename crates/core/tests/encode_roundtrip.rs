//! Property: whatever valid arguments go in, the body carries exactly them back out.
//! The body is read with this file's own parsers, not the core's.

use proptest::prelude::*;
use slack_sessions_core::sansio::Endpoint;
use slack_sessions_core::{Encoding, SessionDuration, SetSettings, Token, TokenPlacement, UserIds};

fn user_id() -> impl Strategy<Value = String> {
    ("[UW]", "[A-Z0-9]{1,12}").prop_map(|(p, b)| format!("{p}{b}"))
}

/// Minimal percent-decoder for form values.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("well-formed test data"));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("well-formed test data")
}

#[derive(Debug, PartialEq)]
struct Decoded {
    token: Option<String>,
    users: Vec<String>,
    duration: Option<u64>,
    quit: Option<bool>,
}

fn parse_form(body: &str) -> Decoded {
    let mut d = Decoded {
        token: None,
        users: vec![],
        duration: None,
        quit: None,
    };
    for pair in body.split('&') {
        let (k, v) = pair.split_once('=').expect("well-formed test data");
        let v = unescape(v);
        match k {
            "token" => d.token = Some(v),
            "user_ids" => d.users = v.split(',').map(String::from).collect(),
            "duration" => d.duration = Some(v.parse().expect("well-formed test data")),
            "desktop_app_browser_quit" => d.quit = Some(v.parse().expect("well-formed test data")),
            other => panic!("unexpected field {other}"),
        }
    }
    d
}

fn parse_json(body: &str) -> Decoded {
    let v: serde_json::Value = serde_json::from_str(body).expect("well-formed test data");
    let obj = v.as_object().expect("well-formed test data");
    for k in obj.keys() {
        assert!(
            ["user_ids", "duration", "desktop_app_browser_quit"].contains(&k.as_str()),
            "{k}"
        );
    }
    Decoded {
        token: None,
        users: obj["user_ids"]
            .as_array()
            .expect("well-formed test data")
            .iter()
            .map(|u| u.as_str().expect("well-formed test data").to_owned())
            .collect(),
        duration: obj
            .get("duration")
            .map(|d| d.as_u64().expect("well-formed test data")),
        quit: obj
            .get("desktop_app_browser_quit")
            .map(|q| q.as_bool().expect("well-formed test data")),
    }
}

proptest! {
    #[test]
    fn encoded_bodies_carry_exactly_the_arguments(
        raw in proptest::collection::vec(user_id(), 1..60),
        secs in proptest::option::of(28_800u64..=315_569_520),
        quit in proptest::option::of(any::<bool>()),
        json in any::<bool>(),
        body_token in any::<bool>(),
    ) {
        prop_assume!(secs.is_some() || quit.is_some());
        let users = UserIds::parse(&raw).expect("well-formed test data");
        let mut call = SetSettings::new(users.clone());
        if let Some(s) = secs { call = call.duration(SessionDuration::from_secs(s).expect("well-formed test data")); }
        if let Some(q) = quit { call = call.desktop_app_browser_quit(q); }
        let token = Token::new("xoxp-prop-secret").expect("well-formed test data");
        let ep = Endpoint::builder(token)
            .encoding(if json { Encoding::Json } else { Encoding::Form })
            .token_placement(if body_token && !json { TokenPlacement::Body } else { TokenPlacement::Header })
            .build()
            .expect("well-formed test data");
        let req = ep.encode(&call).expect("well-formed test data");
        let body = std::str::from_utf8(req.body()).expect("well-formed test data");
        let decoded = if json { parse_json(body) } else { parse_form(body) };
        let expected_users: Vec<String> = users.iter().map(|u| u.to_string()).collect();
        // Duplicates removed, first-seen order kept.
        let mut dedup = Vec::new();
        for r in &raw { if !dedup.contains(r) { dedup.push(r.clone()); } }
        prop_assert_eq!(&expected_users, &dedup);
        prop_assert_eq!(decoded, Decoded {
            token: (body_token && !json).then(|| "xoxp-prop-secret".to_owned()),
            users: expected_users,
            duration: secs,
            quit,
        });
    }

    #[test]
    fn durations_print_and_parse_back(secs in 28_800u64..=315_569_520) {
        let d = SessionDuration::from_secs(secs).expect("well-formed test data");
        prop_assert_eq!(d.to_string().parse::<SessionDuration>().expect("well-formed test data"), d);
    }
}
