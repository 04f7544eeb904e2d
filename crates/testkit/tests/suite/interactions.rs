use axum::http::StatusCode;
use serde_json::json;

use bonsai_testkit::TestApp;

#[tokio::test]
async fn boosts_and_favourites() {
    let app = TestApp::new().await;
    let (author_id, author) = app.user("author", "read write follow").await;
    let (fan_id, fan) = app.user("fan", "read write follow").await;
    let (_, watcher) = app.user("watcher", "read write follow").await;
    app.post_json(
        &format!("/api/v1/accounts/{fan_id}/follow"),
        Some(&watcher),
        json!({}),
    )
    .await;
    let post = app
        .post_json(
            "/api/v1/statuses",
            Some(&author),
            json!({"status": "boost me"}),
        )
        .await
        .json();
    let id = post["id"].as_str().unwrap();

    let boost = app
        .post_json(
            &format!("/api/v1/statuses/{id}/reblog"),
            Some(&fan),
            json!({}),
        )
        .await;
    assert_eq!(boost.status, StatusCode::OK, "{}", boost.text());
    let boost = boost.json();
    assert_eq!(boost["reblog"]["id"], id);
    assert_eq!(boost["reblog"]["reblogged"], true);
    assert_eq!(boost["reblog"]["reblogs_count"], 1);
    assert_eq!(boost["account"]["id"], fan_id.as_str());
    // Boosting twice returns the first boost.
    let again = app
        .post_json(
            &format!("/api/v1/statuses/{id}/reblog"),
            Some(&fan),
            json!({}),
        )
        .await
        .json();
    assert_eq!(again["id"], boost["id"]);
    // It reaches the booster's followers, and stays off the public timeline.
    let home = app
        .get("/api/v1/timelines/home", Some(&watcher))
        .await
        .json();
    assert_eq!(home[0]["id"], boost["id"]);
    let public = app.get("/api/v1/timelines/public", None).await.json();
    assert_eq!(public.as_array().unwrap().len(), 1);
    let profile = app
        .get(
            &format!("/api/v1/accounts/{fan_id}/statuses?exclude_reblogs=true"),
            None,
        )
        .await
        .json();
    assert_eq!(profile.as_array().unwrap().len(), 0);
    let profile = app
        .get(&format!("/api/v1/accounts/{fan_id}/statuses"), None)
        .await
        .json();
    assert_eq!(profile.as_array().unwrap().len(), 1);

    let fav = app
        .post_json(
            &format!("/api/v1/statuses/{id}/favourite"),
            Some(&fan),
            json!({}),
        )
        .await
        .json();
    assert_eq!(fav["favourited"], true);
    assert_eq!(fav["favourites_count"], 1);
    let fav = app
        .post_json(
            &format!("/api/v1/statuses/{id}/favourite"),
            Some(&fan),
            json!({}),
        )
        .await
        .json();
    assert_eq!(fav["favourites_count"], 1, "favouriting is idempotent");
    assert_eq!(
        app.get(&format!("/api/v1/statuses/{id}"), Some(&author))
            .await
            .json()["favourited"],
        false
    );
    let unfav = app
        .post_json(
            &format!("/api/v1/statuses/{id}/unfavourite"),
            Some(&fan),
            json!({}),
        )
        .await
        .json();
    assert_eq!(unfav["favourited"], false);
    assert_eq!(unfav["favourites_count"], 0);

    let un = app
        .post_json(
            &format!("/api/v1/statuses/{id}/unreblog"),
            Some(&fan),
            json!({}),
        )
        .await
        .json();
    assert_eq!(un["id"], id);
    assert_eq!(un["reblogged"], false);
    assert_eq!(un["reblogs_count"], 0);
    assert_eq!(
        app.get(
            &format!("/api/v1/statuses/{}", boost["id"].as_str().unwrap()),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Private posts can't be boosted by others; direct ones by nobody.
    let private = app
        .post_json(
            "/api/v1/statuses",
            Some(&author),
            json!({"status": "mine", "visibility": "private"}),
        )
        .await
        .json();
    app.post_json(
        &format!("/api/v1/accounts/{author_id}/follow"),
        Some(&fan),
        json!({}),
    )
    .await;
    let r = app
        .post_json(
            &format!(
                "/api/v1/statuses/{}/reblog",
                private["id"].as_str().unwrap()
            ),
            Some(&fan),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json(
            &format!(
                "/api/v1/statuses/{}/reblog",
                private["id"].as_str().unwrap()
            ),
            Some(&author),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["visibility"], "private");
    let r = app
        .post_json("/api/v1/statuses/123/favourite", Some(&fan), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn search_and_many_statuses() {
    let app = TestApp::new().await;
    let (_, t) = app.user("searcher", "read write").await;
    let a = app
        .post_json(
            "/api/v1/statuses",
            Some(&t),
            json!({"status": "one #Gardening"}),
        )
        .await
        .json();
    let b = app
        .post_json(
            "/api/v1/statuses",
            Some(&t),
            json!({"status": "two", "visibility": "direct"}),
        )
        .await
        .json();
    let r = app
        .get("/api/v2/search?q=searcher&type=accounts", Some(&t))
        .await
        .json();
    assert_eq!(r["accounts"][0]["username"], "searcher");
    assert_eq!(r["statuses"].as_array().unwrap().len(), 0);
    let r = app.get("/api/v2/search?q=%23garden", None).await.json();
    assert_eq!(r["hashtags"][0]["name"], "Gardening");
    let url = a["url"].as_str().unwrap();
    let r = app
        .get(&format!("/api/v2/search?q={url}&resolve=true"), None)
        .await
        .json();
    assert_eq!(r["statuses"][0]["id"], a["id"]);
    assert_eq!(
        app.get("/api/v2/search?q=x&type=bogus", None).await.status,
        StatusCode::BAD_REQUEST
    );

    let (ia, ib) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let r = app
        .get(
            &format!("/api/v1/statuses?id[]={ib}&id[]={ia}&id[]=42"),
            None,
        )
        .await
        .json();
    let got: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![ia], "unknown and invisible ids are left out");
    let r = app
        .get(&format!("/api/v1/statuses?id[]={ib}&id[]={ia}"), Some(&t))
        .await
        .json();
    assert_eq!(r.as_array().unwrap().len(), 2);
}
