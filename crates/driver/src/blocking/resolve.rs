//! Resolving a selection of people into user IDs, on the calling thread.

use std::cell::Cell;

use slack_sessions_core::sansio::{ResolveStep, Resolver};
use slack_sessions_core::{CancelToken, Resolution, ResolveProgress, ResolveStop};

use super::BlockingClient;
use crate::transport::BlockingTransport;

impl<T: BlockingTransport> BlockingClient<T> {
    /// Carries out `resolver`'s plan: each directory listing page by page (Tier 4), each
    /// lookup (Tier 3) and user group (Tier 2), paced and retried like any call, with
    /// `progress` told after each page and each call. Memory holds the users selected
    /// and one page, never the directory. Once `cancel` is cancelled, it stops at the
    /// next user or call, selecting nobody.
    pub fn resolve(
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
                    let pages = Cell::new(0u32);
                    let warnings = std::cell::RefCell::new(Vec::new());
                    let mut told = 0;
                    let on_page = |d: &slack_sessions_core::sansio::PagesDone| {
                        pages.set(d.pages);
                        warnings.replace(d.warnings.clone());
                    };
                    let end = match self.list_users_with(listing, on_page) {
                        Err(e) => Err(e),
                        Ok(users) => {
                            let mut end = Ok(());
                            for user in users {
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
                                if pages.get() != told {
                                    told = pages.get();
                                    progress(resolver.progress_with_pages(told));
                                }
                            }
                            end
                        }
                    };
                    resolver.listing_warnings(warnings.take());
                    resolver.listed(pages.get(), end);
                }
                ResolveStep::Lookup(call) => resolver.looked_up(self.call(&call)),
                ResolveStep::Usergroup(call) => resolver.usergroup_listed(self.call(&call)),
                _ => return resolver.finish(),
            }
            progress(resolver.progress());
        }
    }
}
