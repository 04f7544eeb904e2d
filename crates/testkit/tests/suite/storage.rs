//! Repository behaviour on a real database (SQLite file or PostgreSQL schema).

use bonsai_core::model::{Account, Follow, Page, Status};
use bonsai_core::timestamp::Timestamp;
use bonsai_core::visibility::Visibility;
use bonsai_db::follows::{self, Kind, Side};
use bonsai_db::{accounts, statuses, tags, timelines};
use bonsai_testkit::test_db;

fn account(id: i64, username: &str) -> Account {
    let now = Timestamp::from_millis(1_700_000_000_000);
    Account {
        id,
        username: username.into(),
        domain: None,
        display_name: format!("{username} display"),
        note: String::new(),
        note_source: String::new(),
        locked: false,
        bot: true,
        discoverable: true,
        fields: vec![bonsai_core::model::Field {
            name: "site".into(),
            value: "https://example.org".into(),
            verified_at: None,
        }],
        uri: format!("https://bonsai.test/users/{username}"),
        url: format!("https://bonsai.test/@{username}"),
        public_key_pem: "pem".into(),
        private_key_pem: None,
        followers_count: 0,
        following_count: 0,
        statuses_count: 0,
        last_status_at: None,
        created_at: now,
        updated_at: now,
        also_known_as: Vec::new(),
        moved_to_account_id: None,
        avatar: None,
        header: None,
    }
}

fn status(id: i64, account_id: i64, visibility: Visibility) -> Status {
    Status {
        id,
        uri: format!("https://bonsai.test/s/{id}"),
        url: format!("https://bonsai.test/@x/{id}"),
        account_id,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: None,
        content: "<p>hi</p>".into(),
        text: "hi".into(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility,
        language: Some("en".into()),
        application_id: None,
        local: true,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: Timestamp::from_millis(1_700_000_000_000 + id),
        edited_at: None,
    }
}

#[tokio::test]
async fn migrations_have_matching_versions() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../db/migrations");
    let list = |d: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!("{root}/{d}"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(list("sqlite"), list("postgres"));
    assert_eq!(list("sqlite").len(), bonsai_db::migrations().len());
    // Applying twice is a no-op.
    let t = test_db().await;
    assert_eq!(t.db.migrate().await.unwrap(), 0);
}

#[tokio::test]
async fn accounts_round_trip_and_unique_names() {
    let t = test_db().await;
    let a = account(1, "Alice");
    accounts::insert(t.db.writer(), &a).await.unwrap();
    let got = accounts::find(t.db.reader(), 1).await.unwrap().unwrap();
    assert_eq!(got.username, "Alice");
    assert!(got.bot && !got.locked && got.domain.is_none());
    assert_eq!(got.fields, a.fields);
    assert_eq!(got.created_at, a.created_at);
    // Case-insensitive lookup, and the unique index refuses a case variant.
    assert!(accounts::find_by_username(t.db.reader(), "alice", None)
        .await
        .unwrap()
        .is_some());
    let err = accounts::insert(t.db.writer(), &account(2, "ALICE"))
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    // Counters never go below zero.
    accounts::bump(t.db.writer(), 1, accounts::Counter::Followers, -5)
        .await
        .unwrap();
    assert_eq!(
        accounts::find(t.db.reader(), 1)
            .await
            .unwrap()
            .unwrap()
            .followers_count,
        0
    );
    // LIKE wildcards in a search are literal.
    assert!(accounts::search_local(t.db.reader(), "%", 10, 0)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        accounts::search_local(t.db.reader(), "ali", 10, 0)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_failed_transaction_writes_nothing() {
    let t = test_db().await;
    let mut tx = t.db.begin().await.unwrap();
    accounts::insert(&mut *tx, &account(1, "bob"))
        .await
        .unwrap();
    // Second insert with the same id fails; the whole transaction is rolled back on drop.
    assert!(accounts::insert(&mut *tx, &account(1, "carol"))
        .await
        .is_err());
    drop(tx);
    assert!(accounts::find(t.db.reader(), 1).await.unwrap().is_none());
}

#[tokio::test]
async fn timelines_respect_visibility_and_pagination() {
    let t = test_db().await;
    let w = t.db.writer();
    for (id, name) in [
        (1, "author"),
        (2, "follower"),
        (3, "stranger"),
        (4, "mentioned"),
    ] {
        accounts::insert(w, &account(id, name)).await.unwrap();
    }
    let mut conn = t.db.begin().await.unwrap();
    follows::upsert(
        &mut conn,
        Kind::Follow,
        &Follow {
            id: 100,
            account_id: 2,
            target_account_id: 1,
            show_reblogs: true,
            notify: false,
            created_at: Timestamp::now(),
        },
    )
    .await
    .unwrap();
    conn.commit().await.unwrap();
    statuses::insert(w, &status(10, 1, Visibility::Public))
        .await
        .unwrap();
    statuses::insert(w, &status(11, 1, Visibility::Unlisted))
        .await
        .unwrap();
    statuses::insert(w, &status(12, 1, Visibility::Private))
        .await
        .unwrap();
    statuses::insert(w, &status(13, 1, Visibility::Direct))
        .await
        .unwrap();
    statuses::insert_mention(w, 13, 4).await.unwrap();

    let page = Page {
        limit: 20,
        ..Default::default()
    };
    let ids = |v: Vec<Status>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let r = t.db.reader();
    assert_eq!(
        ids(timelines::home(r, 2, &page).await.unwrap()),
        vec![12, 11, 10]
    );
    assert_eq!(
        ids(timelines::home(r, 3, &page).await.unwrap()),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(timelines::public(r, None, Default::default(), &page)
            .await
            .unwrap()),
        vec![10]
    );
    let all = timelines::AccountFilter::default();
    assert_eq!(
        ids(timelines::account(r, 1, Some(3), &all, &page)
            .await
            .unwrap()),
        vec![11, 10]
    );
    assert_eq!(
        ids(timelines::account(r, 1, Some(2), &all, &page)
            .await
            .unwrap()),
        vec![12, 11, 10]
    );
    assert_eq!(
        ids(timelines::account(r, 1, Some(4), &all, &page)
            .await
            .unwrap()),
        vec![13, 11, 10]
    );
    assert_eq!(
        ids(timelines::account(r, 1, None, &all, &page).await.unwrap()),
        vec![11, 10]
    );
    assert_eq!(
        ids(timelines::account(r, 1, Some(1), &all, &page)
            .await
            .unwrap()),
        vec![13, 12, 11, 10]
    );

    // max_id / since_id / min_id as Mastodon defines them.
    let p = |max_id, since_id, min_id, limit| Page {
        max_id,
        since_id,
        min_id,
        limit,
    };
    assert_eq!(
        ids(timelines::home(r, 1, &p(Some(13), None, None, 2))
            .await
            .unwrap()),
        vec![12, 11]
    );
    assert_eq!(
        ids(timelines::home(r, 1, &p(None, Some(10), None, 2))
            .await
            .unwrap()),
        vec![13, 12]
    );
    assert_eq!(
        ids(timelines::home(r, 1, &p(None, None, Some(10), 2))
            .await
            .unwrap()),
        vec![12, 11]
    );
}

#[tokio::test]
async fn follows_tags_and_relationships() {
    let t = test_db().await;
    for (id, name) in [(1, "a"), (2, "b"), (3, "c")] {
        accounts::insert(t.db.writer(), &account(id, name))
            .await
            .unwrap();
    }
    let f = |id, from, to| Follow {
        id,
        account_id: from,
        target_account_id: to,
        show_reblogs: false,
        notify: true,
        created_at: Timestamp::now(),
    };
    let mut tx = t.db.begin().await.unwrap();
    assert!(follows::upsert(&mut tx, Kind::Follow, &f(10, 1, 2))
        .await
        .unwrap());
    assert!(!follows::upsert(&mut tx, Kind::Follow, &f(11, 1, 2))
        .await
        .unwrap());
    assert!(follows::upsert(&mut tx, Kind::Request, &f(12, 3, 1))
        .await
        .unwrap());
    tx.commit().await.unwrap();
    let rel = follows::relationships(t.db.reader(), 1, &[2, 3])
        .await
        .unwrap();
    assert!(rel[0].following && !rel[0].followed_by && rel[0].notifying && !rel[0].showing_reblogs);
    assert!(rel[1].requested_by && !rel[1].following);
    let page = Page {
        limit: 10,
        ..Default::default()
    };
    let followers = follows::list(t.db.reader(), Kind::Follow, Side::Followers, 2, &page)
        .await
        .unwrap();
    assert_eq!(followers.len(), 1);
    assert_eq!(followers[0].id, 10);
    assert!(follows::remove(t.db.writer(), Kind::Follow, 1, 2)
        .await
        .unwrap()
        .is_some());
    assert!(follows::remove(t.db.writer(), Kind::Follow, 1, 2)
        .await
        .unwrap()
        .is_none());

    statuses::insert(t.db.writer(), &status(50, 1, Visibility::Public))
        .await
        .unwrap();
    let mut conn = t.db.begin().await.unwrap();
    let tag = tags::upsert(&mut conn, 900, "Rust", Timestamp::now())
        .await
        .unwrap();
    let again = tags::upsert(&mut conn, 901, "RUST", Timestamp::now())
        .await
        .unwrap();
    assert_eq!(tag.id, again.id);
    assert_eq!(again.display_name, "Rust");
    tags::link(&mut *conn, tag.id, 50).await.unwrap();
    conn.commit().await.unwrap();
    let found = timelines::tag(t.db.reader(), None, "rust", Default::default(), &page)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn jobs_are_claimed_once_leased_retried_and_failed() {
    use bonsai_db::jobs;
    let t = test_db().await;
    let now = Timestamp::now();
    for id in 1..=3 {
        jobs::enqueue(
            t.db.writer(),
            id,
            "delivery",
            None,
            &format!("{{\"n\":{id}}}"),
            now,
        )
        .await
        .unwrap();
    }
    jobs::enqueue(
        t.db.writer(),
        4,
        "delivery",
        None,
        "{}",
        now.plus_secs(3600),
    )
    .await
    .unwrap();
    jobs::enqueue(t.db.writer(), 5, "inbox", None, "{}", now)
        .await
        .unwrap();

    let first = jobs::claim(&t.db, "delivery", 2, 300).await.unwrap();
    assert_eq!(first.iter().map(|j| j.id).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(first[0].attempts, 1);
    assert_eq!(first[0].payload, "{\"n\":1}");
    // Leased jobs and future jobs are not handed out again.
    let second = jobs::claim(&t.db, "delivery", 10, 300).await.unwrap();
    assert_eq!(second.iter().map(|j| j.id).collect::<Vec<_>>(), vec![3]);
    assert!(jobs::claim(&t.db, "delivery", 10, 300)
        .await
        .unwrap()
        .is_empty());

    jobs::complete(t.db.writer(), 1).await.unwrap();
    jobs::retry(t.db.writer(), 2, Timestamp::now(), "503 from remote")
        .await
        .unwrap();
    jobs::fail(t.db.writer(), 3, "410 Gone").await.unwrap();
    let again = jobs::claim(&t.db, "delivery", 10, 0).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, 2);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(again[0].last_error.as_deref(), Some("503 from remote"));
    // A lease that ran out (the worker died) is taken over.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let taken_over = jobs::claim(&t.db, "delivery", 10, 300).await.unwrap();
    assert_eq!(taken_over.iter().map(|j| j.id).collect::<Vec<_>>(), vec![2]);
    assert_eq!(taken_over[0].attempts, 3);

    assert_eq!(jobs::pending(t.db.reader(), "delivery").await.unwrap(), 2);
    assert_eq!(
        jobs::failed(t.db.reader(), "delivery").await.unwrap()[0].id,
        3
    );
    assert_eq!(jobs::claim(&t.db, "inbox", 10, 300).await.unwrap().len(), 1);
}

#[tokio::test]
async fn grouped_jobs_run_one_at_a_time_in_order() {
    use bonsai_db::jobs;
    let t = test_db().await;
    let now = Timestamp::now();
    // Actor "a" sent 1, 2, 3; actor "b" sent 4; 5 belongs to no group.
    for (id, group) in [
        (1, Some("a")),
        (2, Some("a")),
        (4, Some("b")),
        (3, Some("a")),
        (5, None),
    ] {
        jobs::enqueue(t.db.writer(), id, "inbox", group, "{}", now)
            .await
            .unwrap();
    }
    let ids = |jobs: Vec<jobs::Job>| jobs.iter().map(|j| j.id).collect::<Vec<_>>();
    // One per group, the oldest first; ungrouped jobs are not held back.
    let first = ids(jobs::claim(&t.db, "inbox", 10, 300).await.unwrap());
    assert_eq!(first, vec![1, 4, 5]);
    // While 1 runs, 2 waits.
    assert!(jobs::claim(&t.db, "inbox", 10, 300)
        .await
        .unwrap()
        .is_empty());
    jobs::complete(t.db.writer(), 1).await.unwrap();
    assert_eq!(
        ids(jobs::claim(&t.db, "inbox", 10, 300).await.unwrap()),
        vec![2]
    );
    // A job waiting for its retry does not hold the rest of its group back.
    jobs::retry(t.db.writer(), 2, now.plus_secs(3600), "timeout")
        .await
        .unwrap();
    assert_eq!(
        ids(jobs::claim(&t.db, "inbox", 10, 300).await.unwrap()),
        vec![3]
    );
    // A failed job doesn't either.
    jobs::enqueue(t.db.writer(), 6, "inbox", Some("b"), "{}", now)
        .await
        .unwrap();
    jobs::fail(t.db.writer(), 4, "bad").await.unwrap();
    assert_eq!(
        ids(jobs::claim(&t.db, "inbox", 10, 300).await.unwrap()),
        vec![6]
    );
    // The same group in another queue is another group.
    jobs::enqueue(t.db.writer(), 7, "delivery", Some("a"), "{}", now)
        .await
        .unwrap();
    assert_eq!(
        ids(jobs::claim(&t.db, "delivery", 10, 300).await.unwrap()),
        vec![7]
    );
}

#[tokio::test]
async fn jobs_can_be_made_due_now_and_counted() {
    use bonsai_db::jobs;
    let t = test_db().await;
    let now = Timestamp::now();
    let later = now.plus_secs(3600);
    for id in 1..=4 {
        jobs::enqueue(t.db.writer(), id, "delivery", None, "{}", later)
            .await
            .unwrap();
    }
    jobs::enqueue(t.db.writer(), 9, "inbox", None, "{}", now)
        .await
        .unwrap();
    // 1 is failed for good, 2 is held by a worker; 3 and 4 wait an hour.
    jobs::fail(t.db.writer(), 1, "410 Gone").await.unwrap();
    jobs::retry(t.db.writer(), 2, now, "timeout").await.unwrap();
    assert_eq!(
        jobs::claim(&t.db, "delivery", 1, 300).await.unwrap()[0].id,
        2
    );

    let stats = jobs::stats(t.db.reader()).await.unwrap();
    let d = stats.iter().find(|s| s.queue == "delivery").unwrap();
    assert_eq!((d.waiting, d.due, d.failed), (3, 1, 1), "{d:?}");
    assert!(d.oldest.is_some());
    // Only job 2 is due (since `now`): that is where the lag is measured from.
    assert_eq!(d.oldest_due.map(|t| t.millis()), Some(now.millis()));
    let i = stats.iter().find(|s| s.queue == "inbox").unwrap();
    assert_eq!((i.waiting, i.due, i.failed), (1, 1, 0));

    // Waiting jobs come due; the leased one is left to its worker, the failed one stays.
    assert_eq!(
        jobs::retry_now(t.db.writer(), "delivery", false)
            .await
            .unwrap(),
        2
    );
    let due = jobs::claim(&t.db, "delivery", 10, 300).await.unwrap();
    assert_eq!(due.iter().map(|j| j.id).collect::<Vec<_>>(), vec![3, 4]);
    // With failed_too the given-up job is revived with a fresh count of attempts.
    assert_eq!(
        jobs::retry_now(t.db.writer(), "delivery", true)
            .await
            .unwrap(),
        1
    );
    let revived = jobs::claim(&t.db, "delivery", 10, 300).await.unwrap();
    assert_eq!(revived.iter().map(|j| j.id).collect::<Vec<_>>(), vec![1]);
    assert_eq!(revived[0].attempts, 1);
    assert!(jobs::failed(t.db.reader(), "delivery")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn remote_accounts_and_follower_inboxes() {
    use bonsai_core::model::RemoteEndpoints;
    let t = test_db().await;
    accounts::insert(t.db.writer(), &account(1, "local"))
        .await
        .unwrap();
    let mut conn = t.db.begin().await.unwrap();
    let mut ids = Vec::new();
    for (id, name, shared) in [
        (10, "r1", "https://a.example/inbox"),
        (11, "r2", "https://a.example/inbox"),
        (12, "r3", ""),
    ] {
        let mut a = account(id, name);
        a.domain = Some(if shared.is_empty() {
            "b.example".into()
        } else {
            "a.example".into()
        });
        a.uri = format!("https://{}/users/{name}", a.domain.clone().unwrap());
        let ep = RemoteEndpoints {
            inbox_url: format!("{}/inbox", a.uri),
            shared_inbox_url: shared.into(),
            followers_url: format!("{}/followers", a.uri),
            key_id: format!("{}#main-key", a.uri),
        };
        ids.push(
            accounts::upsert_remote(&mut conn, &a, &ep, Timestamp::now())
                .await
                .unwrap(),
        );
        follows::upsert(
            &mut conn,
            Kind::Follow,
            &Follow {
                id: 100 + id,
                account_id: id,
                target_account_id: 1,
                show_reblogs: true,
                notify: false,
                created_at: Timestamp::now(),
            },
        )
        .await
        .unwrap();
    }
    // Refreshing by uri updates rather than duplicating.
    let mut again = account(99, "r1-renamed");
    again.uri = "https://a.example/users/r1".into();
    let ep = RemoteEndpoints {
        inbox_url: "https://a.example/users/r1/inbox".into(),
        shared_inbox_url: "https://a.example/inbox".into(),
        followers_url: String::new(),
        key_id: "https://a.example/users/r1#main-key".into(),
    };
    assert_eq!(
        accounts::upsert_remote(&mut conn, &again, &ep, Timestamp::now())
            .await
            .unwrap(),
        10
    );
    conn.commit().await.unwrap();
    let mut inboxes = follows::follower_inboxes(t.db.reader(), 1).await.unwrap();
    inboxes.sort();
    assert_eq!(
        inboxes,
        vec![
            "https://a.example/inbox".to_string(),
            "https://b.example/users/r3/inbox".to_string()
        ]
    );
    let by_key = accounts::find_by_key_id(t.db.reader(), "https://a.example/users/r1#main-key")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_key.id, 10);
    assert_eq!(by_key.username, "r1-renamed");
    assert_eq!(
        accounts::endpoints(t.db.reader(), 12)
            .await
            .unwrap()
            .unwrap()
            .delivery_inbox(),
        "https://b.example/users/r3/inbox"
    );
}
