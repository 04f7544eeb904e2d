//! A tiny builder for queries whose WHERE clause depends on the request (pagination, filters),
//! emitting `$n` placeholders that both backends bind by position.

use sqlx::any::AnyArguments;
use sqlx::any::AnyRow;
use sqlx::{Any, Arguments, Executor};

use crate::error::Result;

use bonsai_core::model::Page;

#[derive(Default)]
pub(crate) struct Sql {
    pub text: String,
    args: AnyArguments<'static>,
    n: usize,
}

impl Sql {
    pub fn new(start: &str) -> Self {
        Self {
            text: start.to_string(),
            args: AnyArguments::default(),
            n: 0,
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + sqlx::Encode<'static, Any> + sqlx::Type<Any>,
    {
        self.n += 1;
        // Adding an argument only fails when encoding fails, which these scalar types never do.
        let _ = self.args.add(value);
        self.text.push('$');
        self.text.push_str(&self.n.to_string());
        self
    }

    /// Appends `$1, $2, …` for each id (the caller writes the parentheses).
    pub fn bind_ids(&mut self, ids: &[i64]) -> &mut Self {
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(*id);
        }
        self
    }

    /// `AND col < max_id AND col > since/min_id ORDER BY col DESC|ASC LIMIT n`.
    pub fn page(&mut self, col: &str, page: &Page) -> &mut Self {
        if let Some(max) = page.max_id {
            self.push(&format!(" AND {col} < ")).bind(max);
        }
        if let Some(since) = page.since_id {
            self.push(&format!(" AND {col} > ")).bind(since);
        }
        if let Some(min) = page.min_id {
            self.push(&format!(" AND {col} > ")).bind(min);
        }
        let dir = if page.ascending() { "ASC" } else { "DESC" };
        self.push(&format!(" ORDER BY {col} {dir} LIMIT "))
            .bind(page.limit)
    }

    pub async fn fetch_all<'e, E>(self, executor: E) -> Result<Vec<AnyRow>>
    where
        E: Executor<'e, Database = Any>,
    {
        Ok(sqlx::query_with(&self.text, self.args)
            .fetch_all(executor)
            .await?)
    }

    pub async fn execute<'e, E>(self, executor: E) -> Result<u64>
    where
        E: Executor<'e, Database = Any>,
    {
        Ok(sqlx::query_with(&self.text, self.args)
            .execute(executor)
            .await?
            .rows_affected())
    }
}
