//! The command line, as clap reads it. Options are global: accepted before or after the
//! command.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use slack_sessions_core::SessionDuration;

/// What `--help` ends with: the exit codes and three examples.
pub(crate) const AFTER_HELP: &str = "\
Exit codes:
  0    every user succeeded
  1    some users failed at the API, or some inputs were invalid and skipped
  2    usage or validation error; nothing was sent
  3    auth or permission error; the run stopped
  4    Slack unreachable, or still failing after retries; the rest not attempted
  130  interrupted by SIGINT (Ctrl-C): requests in flight finished, the report printed
  143  interrupted by SIGTERM, the same way
  141  standard output closed (… | head): stopped at once, quietly

Examples:
  slack-sessions set --duration 12h --quit-on-close true --users-file contractors.csv
  slack-sessions get U012AB3CD W0123ABCD --json
  slack-sessions --dry-run clear --users-file - < leavers.txt
  slack-sessions set --duration 8h --users-file all.txt --journal run.jsonl --snapshot before.json
  slack-sessions set --duration 8h --users-file all.txt --resume run.jsonl
  slack-sessions restore before.json
  slack-sessions set --duration 12h --quit-on-close true --guests --except-file vips.txt
  slack-sessions sessions reset --emails-file compromised.txt --verify
  slack-sessions users resolve --usergroup S0604QSJC --csv
  slack-sessions plan policy.toml --detailed-exitcode
  slack-sessions apply policy.toml --max-changes 500";

/// What `--faults` accepts, shown in `emulator --help`.
pub(crate) const FAULTS_HELP: &str = "\
Fault spec: a comma-separated list of
  N=KIND          the N-th call (counted from 1) gets KIND
  rate=R          each call fails with probability R (0..1), repeatably
  seed=S          seed for rate (default 0)
  kinds=K1+K2     kinds rate picks from (default internal_error+service_unavailable+http503)
KIND: internal_error, service_unavailable, fatal_error, request_timeout,
      fatal_error_after_apply, http500, http502, http503, storm:N (N 429s),
      delay:MS, drop, drop_after_apply, truncate, huge:MB
Example: --faults '3=internal_error,7=drop'  or  --faults 'rate=0.1,seed=7'";

/// `emulator --help`: only the options that apply to it (the global options of the
/// other commands are accepted but mean nothing here, so they are not listed).
const EMULATOR_HELP: &str = "\
{about}

Usage: slack-sessions emulator [--port N] [--rate-limit N] [--faults SPEC] [--users N] [--tls-cert PEM --tls-key PEM]

Options:
      --port <N>           Port on 127.0.0.1 (default: chosen by the OS)
      --rate-limit <N>     Calls a minute per token and method; 0 turns limiting off [default: 100]
      --faults <SPEC>      Faults to inject; see below
      --users <N>          Ordinary users U00000000 up to U{N-1} [default: 100000; at most 90000000]
      --tls-cert <PEM>     Serve https with this certificate chain (leaf first), valid for 127.0.0.1
      --tls-key <PEM>      The private key of --tls-cert
  -h, --help               Print help
{after-help}";

/// Set, get and clear Slack session settings (admin.users.session.*) for any number of users.
#[derive(Debug, Parser)]
#[command(name = "slack-sessions", version, about, long_about = None, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    #[command(flatten)]
    pub(crate) global: Global,
}

/// Options accepted anywhere on the line.
#[derive(Debug, Clone, Args)]
pub(crate) struct Global {
    /// Read the token from this file; else $SLACK_TOKEN. Never on the command line.
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) token_file: Option<PathBuf>,
    /// API base URL [default: https://slack.com/api/]
    #[arg(long, global = true, env = "SLACK_API_URL", value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Run against an in-process emulator (it supplies the token).
    #[arg(long, global = true)]
    pub(crate) emulator: bool,
    /// Body encoding.
    #[arg(long, global = true, value_enum, default_value_t = EncodingArg::Form)]
    pub(crate) encoding: EncodingArg,
    /// Blocking (ureq) or async (hyper) client.
    #[arg(long, global = true, value_enum, default_value_t = TransportArg::Blocking)]
    pub(crate) transport: TransportArg,
    /// Requests in flight at once (async only), 1 to 256.
    #[arg(long, global = true, default_value_t = 4, value_name = "N", value_parser = parse_concurrency)]
    pub(crate) concurrency: usize,
    /// Retries after a failed attempt, 0 to 100.
    #[arg(long, global = true, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub(crate) max_retries: u32,
    /// Time allowed for each HTTP call, connect to last byte: seconds, or with s, m or h
    /// (30, 30s, 2m); at most 1h.
    #[arg(long, global = true, default_value = "30s", value_name = "TIME", value_parser = parse_timeout)]
    pub(crate) timeout: Duration,
    /// Client-side pacing in calls per minute, 1 to 1,000,000 [default: the method's tier]
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) rate: Option<u32>,
    /// Print the HTTP requests that would be sent, token redacted; send nothing.
    #[arg(long, global = true)]
    pub(crate) dry_run: bool,
    /// One JSON report on stdout instead of the human summary.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// One stderr line per request: method, users, status, code, attempt, wait.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// No progress bar, only errors.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Refuse the run, before any write, if any input is not understood or matches
    /// nobody, instead of skipping it and exiting 1.
    #[arg(long, global = true)]
    pub(crate) strict: bool,
    /// Go on when an exception (--except-file, a policy's except) cannot be read or
    /// matches nobody; it is named in the report and the exit is 1. Without it such a
    /// run is refused before any write.
    #[arg(long, global = true)]
    pub(crate) allow_unmatched_exceptions: bool,
    /// Also trust the CA certificates in this PEM file (e.g. a proxy that inspects TLS),
    /// on top of the operating system's store (which SSL_CERT_FILE / SSL_CERT_DIR replace).
    #[arg(long, global = true, value_name = "PEM")]
    pub(crate) ca_file: Vec<PathBuf>,
    /// Tunnel through this http:// proxy [default: $HTTPS_PROXY or $ALL_PROXY, except the
    /// hosts in $NO_PROXY]
    #[arg(long, global = true, value_name = "URL", conflicts_with = "no_proxy")]
    pub(crate) proxy: Option<String>,
    /// Connect directly, ignoring HTTPS_PROXY and ALL_PROXY.
    #[arg(long, global = true)]
    pub(crate) no_proxy: bool,
}

/// `--encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EncodingArg {
    /// application/x-www-form-urlencoded
    Form,
    /// application/json
    Json,
}

/// `--transport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TransportArg {
    /// ureq, one request at a time.
    Blocking,
    /// hyper on tokio, `--concurrency` requests at once.
    Async,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Set session settings: --duration DUR and/or --quit-on-close true|false, then users.
    Set {
        /// Session length, 8h to 10y: seconds, or a number with s, m, h, d, w or y (86400, 8h, 30d, 2w, 10y).
        #[arg(long, value_name = "DUR", value_parser = parse_duration)]
        duration: Option<SessionDuration>,
        /// End the session when the desktop app or browser is closed.
        #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
        quit_on_close: Option<bool>,
        #[command(flatten)]
        users: Users,
        #[command(flatten)]
        record: Record,
    },
    /// Read session settings of users.
    Get {
        #[command(flatten)]
        users: Users,
    },
    /// Clear session settings of users.
    Clear {
        #[command(flatten)]
        users: Users,
        #[command(flatten)]
        record: Record,
    },
    /// Active sessions: list them, end a user's, end one.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// Bring users back to the settings in a snapshot (the JSON of `get --json`, or of
    /// `set --snapshot`): one setSettings per group of equal settings, clearSettings for
    /// users who had none (and first for those who had one of the two).
    Restore {
        /// The snapshot file.
        #[arg(value_name = "SNAPSHOT")]
        snapshot: PathBuf,
    },
    /// Compare a session policy (a TOML file of rules) with what users hold: per rule,
    /// who is already right, who would change (from → to), and whom Slack did not
    /// return. Changes nothing.
    Plan {
        /// The policy file.
        #[arg(value_name = "POLICY")]
        policy: PathBuf,
        /// Show which rule decides for this user, and which later rules also select them
        /// (repeatable).
        #[arg(long, value_name = "USER")]
        explain: Vec<String>,
        /// Also write the plan (JSON) here, for `apply --plan`. An existing file is refused.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// Exit 0 when nothing would change, 2 when changes are pending, 1 on any error
        /// (Terraform's convention, for a drift check in cron or CI).
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Apply a session policy: plan it again (or take a saved plan), show the counts,
    /// then change only what differs, a snapshot of those users written first.
    Apply {
        /// The policy file (not with --plan).
        #[arg(
            value_name = "POLICY",
            required_unless_present = "plan",
            conflicts_with = "plan"
        )]
        policy: Option<PathBuf>,
        /// Apply this saved plan (`plan --out`): the policy it names is planned again and
        /// only the changes it still asks for are applied; refused, naming them, if the
        /// policy or its files changed, the plan asks for anything else, or anyone's
        /// settings changed since it was made.
        #[arg(long, value_name = "PATH")]
        plan: Option<PathBuf>,
        /// Refuse a plan that would send more than N users (those that differ and those
        /// Slack did not return, which are sent anyway).
        #[arg(long, value_name = "N")]
        max_changes: Option<usize>,
        /// Apply without asking (needed without a terminal).
        #[arg(long)]
        yes: bool,
        /// The snapshot of every user it changes, for `restore` [default:
        /// apply-<UTC time>.snapshot.json]; an existing file is refused unless
        /// --replace-snapshot. Not with --resume, which writes one of its own.
        #[arg(long, value_name = "PATH", conflicts_with = "resume")]
        snapshot: Option<PathBuf>,
        /// Let --snapshot replace an existing file.
        #[arg(long, requires = "snapshot")]
        replace_snapshot: bool,
        /// Write each settled request to this journal, to resume an interrupted apply.
        #[arg(long, value_name = "PATH", conflicts_with = "resume")]
        journal: Option<PathBuf>,
        /// Resume the apply this journal records: plan again, skip the users it applied.
        /// Refused if the policy or a file it names changed since. The users it sends
        /// get a snapshot of their own, beside the journal (JOURNAL.apply-<UTC
        /// time>.snapshot.json).
        #[arg(long, value_name = "PATH")]
        resume: Option<PathBuf>,
        /// Also change users whose current settings no snapshot could write back (a
        /// duration Slack reports but will not take, such as 180 s); without it they are
        /// left out and named.
        #[arg(long)]
        force: bool,
    },
    /// People as admins hold them: resolve emails, guests, admins, owners, user groups
    /// and everyone into user IDs.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// The token: who it is, and what it may do.
    Auth {
        #[command(subcommand)]
        command: AuthCommand,
    },
    /// Serve the emulator in the foreground; print base URL and tokens.
    #[command(help_template = EMULATOR_HELP, after_help = FAULTS_HELP)]
    Emulator {
        /// Port on 127.0.0.1 (default: chosen by the OS).
        #[arg(long, value_name = "N")]
        port: Option<u16>,
        /// Calls a minute per token and method (0 turns limiting off).
        #[arg(long, default_value_t = 100, value_name = "N")]
        rate_limit: u32,
        /// Faults to inject; see below.
        #[arg(long, value_name = "SPEC")]
        faults: Option<String>,
        /// Ordinary users in the directory: U00000000 up to U{N-1} [default: 100000]
        #[arg(long, value_name = "N")]
        users: Option<u32>,
        /// Serve https with this certificate chain (PEM, leaf first); needs --tls-key.
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM).
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Play an Enterprise organisation reached with an org-level token
        /// (xoxp-emulator-org): two workspaces, lookups refused to that token, user
        /// groups wanting a team_id from it.
        #[arg(long)]
        enterprise: bool,
    },
    /// Start an in-process emulator and walk through set → get → clear for about 2,500
    /// users, with a progress bar and a summary; no token needed.
    Demo,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    Man,
}

/// The command line as clap sees it, for completions and the man page.
pub(crate) fn command() -> clap::Command {
    Cli::command()
}

/// `sessions …`.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process, and moved once
pub(crate) enum SessionsCommand {
    /// List active sessions, page by page as they arrive: a table on a terminal, JSON
    /// lines otherwise or with --json.
    List {
        /// Only this user's sessions. Slack needs the team too (--team): it is the
        /// `team_id` of every listed session (`sessions list --json`).
        #[arg(long, value_name = "USER", requires = "team")]
        user: Option<String>,
        /// The user's team or organisation ID (with --user), e.g. E0123ABCD: the
        /// `team_id` field of any of the user's listed sessions.
        #[arg(long, value_name = "TEAM", requires = "user")]
        team: Option<String>,
        /// Sessions a page, 1 to 1,000 [default: 1000]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000))]
        limit: Option<u32>,
        /// Start from this page: the cursor an interrupted or failed listing printed.
        #[arg(long, value_name = "CURSOR")]
        cursor: Option<String>,
    },
    /// Sign users out: end their sessions (resetBulk, split around users that cannot be reset).
    Reset {
        #[command(flatten)]
        users: Users,
        /// Only their mobile sessions.
        #[arg(long, conflicts_with = "web_only")]
        mobile_only: bool,
        /// Only their web sessions.
        #[arg(long)]
        web_only: bool,
        #[command(flatten)]
        record: Record,
        #[command(flatten)]
        verify: Verify,
    },
    /// End one session of a user.
    Invalidate {
        /// The session's ID (from `sessions list`).
        #[arg(value_name = "SESSION_ID")]
        session_id: u64,
        /// Its user.
        #[arg(long, value_name = "USER")]
        user: String,
    },
}

/// `auth …`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// Who the token is (organisation or workspace, org-level or not, user) and its
    /// scopes, with what each missing scope blocks: exit 0 when everything this tool
    /// does is allowed, 1 otherwise.
    Status,
}

/// `users …`.
#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// Print the users a selection names (user_id, email, kind), resolved at the least
    /// API cost, and every input that matched nobody: a table on a terminal, JSON lines
    /// otherwise or with --json, CSV with --csv.
    Resolve {
        #[command(flatten)]
        users: Users,
        /// CSV (user_id,email,kind) on stdout.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Also write the users to this file as a CSV users file (`--users-file` reads
        /// it). An existing file is refused.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
}

/// What a `set`, `clear` or `sessions reset` run keeps on disk.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct Record {
    /// Write each settled request to this journal (JSON Lines, fsynced, locked for the
    /// run), to resume from. A journal that already records a run is refused.
    #[arg(long, value_name = "PATH", conflicts_with = "resume")]
    pub(crate) journal: Option<PathBuf>,
    /// Resume the run this journal records: skip users already applied, retry the others
    /// (unless --skip-failed), append to the journal. Same command, settings and scope
    /// only.
    #[arg(long, value_name = "PATH")]
    pub(crate) resume: Option<PathBuf>,
    /// With --resume: do not retry the users Slack itself refused in the earlier run
    /// (users it never answered for are always retried).
    #[arg(long, requires = "resume")]
    pub(crate) skip_failed: bool,
    /// Before changing anything, write the target users' current settings here (the
    /// snapshot `restore` reads), on disk before the first change. An existing file is
    /// refused unless --replace-snapshot. Not with --resume: keep the first run's.
    #[arg(long, value_name = "PATH", conflicts_with = "resume")]
    pub(crate) snapshot: Option<PathBuf>,
    /// Let --snapshot replace an existing file.
    #[arg(long, requires = "snapshot")]
    pub(crate) replace_snapshot: bool,
    /// With --snapshot: also change users whose current settings the snapshot could not
    /// write back (a duration Slack reports but will not take, such as 180 s); without
    /// it they are left out and named.
    #[arg(long, requires = "snapshot")]
    pub(crate) force: bool,
}

/// `sessions reset --verify`: confirm that the sessions are gone.
#[derive(Debug, Clone, Args)]
pub(crate) struct Verify {
    /// After the reset, list each user until none of their sessions is left (resetBulk
    /// only enqueues a job), or --verify-timeout passes; report who is signed out, still
    /// active or unknown, and exit 1 if anyone is not signed out.
    #[arg(long)]
    pub(crate) verify: bool,
    /// How long --verify may take [default: 2m]: seconds, or with s, m or h.
    #[arg(long, value_name = "TIME", value_parser = parse_timeout, requires = "verify", default_value = "2m")]
    pub(crate) verify_timeout: Duration,
    /// The organisation (or workspace) ID to list users in for --verify [default: the
    /// team_id of the organisation's sessions].
    #[arg(long, value_name = "TEAM", requires = "verify")]
    pub(crate) team: Option<String>,
}

/// Parses the process's arguments.
pub(crate) fn parse() -> Result<Cli, clap::Error> {
    Cli::try_parse()
}

/// `--duration`: a session length Slack accepts.
fn parse_duration(s: &str) -> Result<SessionDuration, String> {
    s.parse()
        .map_err(|e: slack_sessions_core::InvalidDuration| e.to_string())
}

/// `--concurrency`: 1 to 256 requests in flight.
fn parse_concurrency(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a number from 1 to 256")),
    }
}

/// `--timeout`: whole seconds, or a number with `s`, `m` or `h`.
fn parse_timeout(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a time: use seconds, or 30s, 2m, 1h"))?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    }
    .ok_or_else(|| format!("{s:?} is not a time: use seconds, or 30s, 2m, 1h"))?;
    if secs == 0 {
        return Err("must be at least 1 second".into());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_take_units() {
        assert_eq!(parse_timeout("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_timeout("1h"), Ok(Duration::from_secs(3600)));
        for bad in [
            "",
            "0",
            "0s",
            "2x",
            "m",
            "-1",
            "1.5m",
            "99999999999999999999h",
        ] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }
}

/// Where the users come from: IDs, and people as admins hold them. They combine: the
/// users are everyone named, once, minus the exceptions.
#[derive(Debug, Args)]
pub(crate) struct Users {
    /// User IDs.
    #[arg(value_name = "USER_ID")]
    pub(crate) ids: Vec<String>,
    /// One ID a line ('#' comments and blank lines ignored; '-' reads stdin); or a CSV
    /// whose header has a `user_id` or `id` column.
    #[arg(long, value_name = "PATH", help_heading = "Users")]
    pub(crate) users_file: Option<PathBuf>,
    /// One email a line, or a CSV with an `email` column ('-' reads stdin). Few are
    /// looked up one by one; many are matched against the directory, listed once.
    #[arg(long, value_name = "PATH", help_heading = "Users")]
    pub(crate) emails_file: Option<PathBuf>,
    /// The user with this email (repeatable); matched ignoring case, and only exactly.
    #[arg(long = "email", value_name = "EMAIL", help_heading = "Users")]
    pub(crate) emails: Vec<String>,
    /// Every active guest, multi- and single-channel.
    #[arg(long, help_heading = "Users")]
    pub(crate) guests: bool,
    /// Every active admin who is not an owner.
    #[arg(long, help_heading = "Users")]
    pub(crate) admins: bool,
    /// Every active owner, the primary owner among them.
    #[arg(long, help_heading = "Users")]
    pub(crate) owners: bool,
    /// The members of this user group, by ID (S…; repeatable).
    #[arg(long = "usergroup", value_name = "ID", help_heading = "Users")]
    pub(crate) usergroups: Vec<String>,
    /// Every active user who is not a bot.
    #[arg(long, help_heading = "Users")]
    pub(crate) all_users: bool,
    /// Leave out these users, however else named: IDs or emails, one a line, or a CSV
    /// with a `user_id`, `id` or `email` column.
    #[arg(long, value_name = "PATH", help_heading = "Users")]
    pub(crate) except_file: Option<PathBuf>,
    /// List only this workspace's directory (T…), and name it for user groups (Slack
    /// needs it with an org token).
    #[arg(long, value_name = "TEAM", help_heading = "Users")]
    pub(crate) workspace: Option<String>,
    /// The directory's size, if known: emails are then matched by whichever way costs
    /// less time at Slack's rates (lookups, or listing the directory).
    #[arg(long, value_name = "N", help_heading = "Users")]
    pub(crate) directory_size: Option<u64>,
}
