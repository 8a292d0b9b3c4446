//! The built `slack-sessions` binary against the emulator on 127.0.0.1: TLS and proxies: trust by --ca-file and the environment, and advice when it fails.

use slack_sessions_emulator::ADMIN_TOKEN;

mod common;
use common::*;

/// Set → get → clear over https on both transports, trusting the test CA by
/// `--ca-file`, `SSL_CERT_FILE` or `SSL_CERT_DIR`; untrusted, the run stops with one line that says
/// what to do, and `-v` and `--json` carry the cause.
#[test]
fn the_cli_runs_over_tls_and_says_what_to_do_when_it_cannot() {
    let tls = tls_emulator("tls");
    let ca = tls.ca_file.to_str().expect("utf-8 path");
    let ca_dir = tls.dir.to_str().expect("utf-8 path");
    for transport in ["blocking", "async"] {
        for trust in ["--ca-file", "SSL_CERT_FILE", "SSL_CERT_DIR"] {
            for step in [
                &["set", "--duration", "12h", "U00000001"][..],
                &["get", "U00000001", "--json"],
                &["clear", "U00000001"],
            ] {
                let mut c = cli(&tls.emu, ADMIN_TOKEN);
                c.args(step).args(["--transport", transport]);
                match trust {
                    "--ca-file" => c.args(["--ca-file", ca]),
                    "SSL_CERT_FILE" => c.env("SSL_CERT_FILE", ca),
                    _ => c.env("SSL_CERT_DIR", ca_dir),
                };
                let r = run(c);
                assert_eq!(r.code, 0, "{transport} {trust} {step:?}: {}", r.stderr);
                if step[0] == "get" {
                    assert_eq!(json(&r)["settings"][0]["duration"], 43_200);
                }
            }
        }
    }
    assert_eq!(tls.emu.tls_failures(), 0);
    assert!(tls.emu.state().is_empty());

    let url = tls.emu.base_url();
    for transport in ["blocking", "async"] {
        let mut c = cli(&tls.emu, ADMIN_TOKEN);
        c.args(["set", "--duration", "8h", "U00000001", "--json", "-v"])
            .args(["--transport", transport, "--max-retries", "0"]);
        let r = run(c);
        assert_eq!(r.code, 4, "{transport}: {}", r.stderr);
        // After the `-v` lines of the run, the first line of its account.
        let first = r
            .stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_default();
        assert_eq!(
            first,
            format!("error: cannot verify {url}'s certificate: its issuer is not trusted (invalid peer certificate: UnknownIssuer). If a proxy inspects TLS, or the server has a private CA, pass --ca-file with that CA"),
            "{transport}"
        );
        assert!(
            r.stderr
                .lines()
                .any(|l| l.contains("code=tls_error") && l.contains("UnknownIssuer")),
            "-v: {}",
            r.stderr
        );
        let v = json(&r);
        assert_eq!(v["failed"][0]["error"], "tls_error");
        let detail = v["failed"][0]["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("UnknownIssuer"), "{detail}");
        assert_eq!(v["error"], first.trim_start_matches("error: "));
    }
    // Plain http to the https port: the line says to check the URL.
    let plain = url.replace("https://", "http://");
    let mut c = cli(&tls.emu, ADMIN_TOKEN);
    c.args([
        "get",
        "U00000001",
        "--max-retries",
        "0",
        "--base-url",
        &plain,
    ]);
    let r = run(c);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().next().unwrap_or_default(),
        format!("error: {plain} did not answer in plain http (is it https?): check --base-url")
    );
    assert!(tls.emu.state().is_empty());
}

/// The CLI honours HTTPS_PROXY and NO_PROXY as curl does, takes `--proxy` and
/// `--no-proxy`, and a refusing proxy stops the run with one line and no password.
#[test]
fn the_cli_honours_proxies_from_the_environment_and_the_command_line() {
    use slack_sessions_emulator::proxy::{ConnectProxy, ProxyMode};
    let tls = tls_emulator("proxy");
    let ca = tls.ca_file.to_str().expect("utf-8 path");
    let proxy = ConnectProxy::start(ProxyMode::Tunnel).expect("proxy");
    let get = |env: &[(&str, &str)], args: &[&str], transport: &str| {
        let mut c = cli(&tls.emu, ADMIN_TOKEN);
        c.args([
            "get",
            "U00000001",
            "--ca-file",
            ca,
            "--transport",
            transport,
        ])
        .args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        run(c)
    };
    for transport in ["blocking", "async"] {
        let before = proxy.tunnels();
        let through = |r: &Run, want: bool, what: &str| {
            assert_eq!(r.code, 0, "{transport} {what}: {}", r.stderr);
            let used = proxy.tunnels() > before;
            assert_eq!(used, want, "{transport} {what}: tunnelled?");
        };
        through(&get(&[], &[], transport), false, "no proxy set");
        let env = [("HTTPS_PROXY", proxy.url())];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let bypass = [env[0], ("NO_PROXY", "localhost,127.0.0.1")];
        through(&get(&bypass, &[], transport), false, "NO_PROXY");
        through(&get(&env, &["--no-proxy"], transport), false, "--no-proxy");
        through(&get(&env, &[], transport), true, "HTTPS_PROXY");
        let before = proxy.tunnels();
        let r = get(&[], &["--proxy", &proxy.url()], transport);
        assert_eq!(r.code, 0, "{transport} --proxy: {}", r.stderr);
        assert!(proxy.tunnels() > before, "{transport} --proxy");
    }
    assert_eq!(proxy.requests(), 0);

    let refusing = ConnectProxy::start(ProxyMode::Refuse407).expect("proxy");
    let with_password = refusing.url_with_credentials("ops:hunter2");
    for transport in ["blocking", "async"] {
        let r = get(
            &[("HTTPS_PROXY", &with_password)],
            &["--max-retries", "0", "--json"],
            transport,
        );
        assert_eq!(r.code, 4, "{transport}: {}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: no tunnel to 127.0.0.1:")
                && first.contains(&format!("proxy http://***@{}", refusing.addr()))
                && first.ends_with("check --proxy, HTTPS_PROXY and ALL_PROXY (or pass --no-proxy)"),
            "{transport}: {first}"
        );
        assert_eq!(json(&r)["failed"][0]["error"], "proxy_error");
        assert!(!r.stderr.contains("hunter2") && !r.stdout.contains("hunter2"));
    }
    // A proxy URL that is not http:// is refused before anything is sent.
    let r = get(&[], &["--proxy", "socks5://127.0.0.1:1"], "blocking");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("only http:// proxies"), "{}", r.stderr);
}
