//! Resolving a selection of people into user IDs, as a future.

use futures_util::StreamExt;
use slack_sessions_core::sansio::{ResolveStep, Resolver};
use slack_sessions_core::{CancelToken, Resolution, ResolveProgress, ResolveStop};

use super::AsyncClient;
use crate::transport::AsyncTransport;

impl<T: AsyncTransport> AsyncClient<T> {
    /// Carries out `resolver`'s plan: each directory listing page by page (Tier 4), each
    /// lookup (Tier 3) and user group (Tier 2), paced and retried like any call, with
    /// `progress` told after each page and each call. Memory holds the users selected
    /// and one page, never the directory. Once `cancel` is cancelled, it stops at the
    /// next user or call, selecting nobody.
    pub async fn resolve(
        &self,
        mut resolver: Resolver,
        cancel: &CancelToken,
        mut progress: impl FnMut(ResolveProgress),
    ) -> Result<Resolution, ResolveStop> {
        loop {
            if cancel.is_cancelled() {
                resolver.cancel();
            }
            match resolver.next_step() {
                ResolveStep::List(listing) => {
                    let pages = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
                    let seen = pages.clone();
                    let warnings = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
                    let said = warnings.clone();
                    let count = move |d: &slack_sessions_core::sansio::PagesDone| {
                        seen.store(d.pages, std::sync::atomic::Ordering::Relaxed);
                        if let Ok(mut w) = said.lock() {
                            w.clone_from(&d.warnings);
                        }
                    };
                    let read = || pages.load(std::sync::atomic::Ordering::Relaxed);
                    let mut told = 0;
                    let end = match self.list_users_with(listing, count) {
                        Err(e) => Err(e),
                        Ok(mut users) => {
                            let mut end = Ok(());
                            while let Some(user) = users.next().await {
                                match user {
                                    Ok(u) => resolver.entry(u),
                                    Err(e) => {
                                        end = Err(e);
                                        break;
                                    }
                                }
                                if cancel.is_cancelled() {
                                    break;
                                }
                                if read() != told {
                                    told = read();
                                    progress(resolver.progress_with_pages(told));
                                }
                            }
                            end
                        }
                    };
                    let said = warnings
                        .lock()
                        .map(|mut w| std::mem::take(&mut *w))
                        .unwrap_or_default();
                    resolver.listing_warnings(said);
                    resolver.listed(read(), end);
                }
                ResolveStep::Lookup(call) => resolver.looked_up(self.call(&call).await),
                ResolveStep::Usergroup(call) => resolver.usergroup_listed(self.call(&call).await),
                _ => return resolver.finish(),
            }
            progress(resolver.progress());
        }
    }
}
