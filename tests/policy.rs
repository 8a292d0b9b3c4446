//! A session policy through the library, over both transports: planned, applied group
//! by group, and planned again with nothing left to change.

mod common;

use common::*;
use slack_sessions::policy::{Policy, Step, Target};
use slack_sessions::{BulkRun, CancelToken, Selection, SessionDuration, SessionSettings};
use slack_sessions_emulator::Emulator;

fn policy() -> Policy {
    let day = SessionDuration::from_secs(86_400).expect("1d");
    Policy::new()
        .rule(
            "guests",
            Selection::new().guests(),
            Target::Set(
                SessionSettings::new()
                    .duration(day)
                    .desktop_app_browser_quit(true),
            ),
        )
        .rule("admins", Selection::new().admins(), Target::Clear)
}

#[test]
fn plan_apply_plan_again_converges() {
    for t in BOTH {
        let emu = Emulator::builder()
            .rate_limit(None)
            .users(2_000)
            .start()
            .expect("emulator");
        let cancel = CancelToken::new();
        let setup = Setup::default();
        let (first, applied, again) = match t {
            Transport::Blocking => {
                let c = blocking(&emu, &setup);
                let first = c.plan_policy(&policy(), &cancel, |_| {}).expect("plan");
                let applied = c.apply_plan(&first.plan, BulkRun::default(), |_, _| {});
                let again = c.plan_policy(&policy(), &cancel, |_| {}).expect("plan");
                (first, applied, again)
            }
            Transport::Async => {
                let rt = runtime();
                let c = asynchronous(&emu, &setup);
                rt.block_on(async {
                    let first = c
                        .plan_policy(&policy(), &cancel, |_| {})
                        .await
                        .expect("plan");
                    let applied = c
                        .apply_plan(&first.plan, BulkRun::default(), |_, _| {})
                        .await;
                    let again = c
                        .plan_policy(&policy(), &cancel, |_| {})
                        .await
                        .expect("plan");
                    (first, applied, again)
                })
            }
        };
        // 200 guests to set; the admins hold nothing, so only those Slack does not
        // return (no active session) are cleared, since their settings are unknown.
        let admins_unknown = ["U00000001", "U00000501", "U00001001", "U00001501"]
            .iter()
            .filter(|u| emu.active_sessions(Some(u)).is_empty())
            .count();
        let summary = first.plan.summary();
        assert_eq!(summary[0].change + summary[0].unknown, 200, "{t:?}");
        assert_eq!((summary[1].change, summary[1].unknown), (0, admins_unknown));
        assert_eq!(applied.len(), 2, "a group per target: {t:?}");
        let set = applied[0].1.as_ref().expect("applied");
        assert_eq!(set.applied.len(), 200);
        assert_eq!(applied[1].0, Target::Clear);
        assert_eq!(
            emu.settings("U00000007").and_then(|s| s.duration),
            Some(86_400)
        );
        assert_eq!(again.plan.changes(), 0, "{t:?}");
        assert!(again.plan.users.iter().all(|u| u.step != Step::Change));
    }
}
