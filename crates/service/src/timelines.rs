//! Home, public, hashtag and per-account timelines.

use bonsai_core::model::Page;
use bonsai_db::timelines;

/// The filters list endpoints take, defined beside the queries that apply them.
pub use bonsai_db::timelines::{AccountFilter, PublicFilter};

use crate::error::{DbResultExt, Result};
use crate::oauth::Viewer;
use crate::views::StatusView;
use crate::Services;

impl Services {
    pub async fn home_timeline(&self, viewer: &Viewer, page: &Page) -> Result<Vec<StatusView>> {
        viewer.require("read:statuses")?;
        let me = viewer.account()?.id;
        let list = timelines::home(self.db().reader(), me, page)
            .await
            .or_internal()?;
        self.status_views(list, Some(me)).await
    }

    pub async fn public_timeline(
        &self,
        viewer: Option<&Viewer>,
        filter: PublicFilter,
        page: &Page,
    ) -> Result<Vec<StatusView>> {
        if let Some(v) = viewer {
            v.require("read:statuses")?;
        }
        let filter = PublicFilter {
            silenced_domains: self.config().silenced_domains.clone(),
            ..filter
        };
        let list = timelines::public(
            self.db().reader(),
            viewer.and_then(Viewer::account_id),
            filter,
            page,
        )
        .await
        .or_internal()?;
        self.status_views(list, viewer.and_then(Viewer::account_id))
            .await
    }

    pub async fn tag_timeline(
        &self,
        viewer: Option<&Viewer>,
        tag: &str,
        filter: PublicFilter,
        page: &Page,
    ) -> Result<Vec<StatusView>> {
        if let Some(v) = viewer {
            v.require("read:statuses")?;
        }
        let filter = PublicFilter {
            silenced_domains: self.config().silenced_domains.clone(),
            ..filter
        };
        let list = timelines::tag(
            self.db().reader(),
            viewer.and_then(Viewer::account_id),
            tag.trim_start_matches('#'),
            filter,
            page,
        )
        .await
        .or_internal()?;
        self.status_views(list, viewer.and_then(Viewer::account_id))
            .await
    }

    pub async fn account_statuses(
        &self,
        viewer: Option<&Viewer>,
        account_id: i64,
        filter: &AccountFilter,
        page: &Page,
    ) -> Result<Vec<StatusView>> {
        if let Some(v) = viewer {
            v.require("read:statuses")?;
        }
        let account = self.account(account_id).await?;
        let vid = viewer.and_then(Viewer::account_id);
        let list = timelines::account(self.db().reader(), account.id, vid, filter, page)
            .await
            .or_internal()?;
        self.status_views(list, vid).await
    }
}
