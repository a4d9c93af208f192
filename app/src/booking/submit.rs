//! Once the page has hydrated, forms post through `fetch` instead of a page
//! load: the values stay in place when the server finds a problem, and the
//! button shows that it is working. Without JavaScript the same forms post
//! normally and the server redirects (see the server's `http::bookings`).

#[cfg(feature = "browser")]
use crate::error::AppError;

/// Post `form` (urlencoded, its CSRF field included) to its `action`, asking
/// for JSON. Ok is the JSON body of a 2xx answer.
#[cfg(feature = "browser")]
pub async fn post_form(form: &web_sys::HtmlFormElement) -> Result<serde_json::Value, AppError> {
    let data = web_sys::FormData::new_with_form(form).map_err(|_| AppError::network())?;
    let params = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).map_err(|_| AppError::network())?;
    let body: String = params.to_string().into();
    let resp = gloo_net::http::Request::post(&form.action())
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(|_| AppError::network())?
        .send()
        .await
        .map_err(|_| AppError::network())?;
    let ok = resp.ok();
    let json: serde_json::Value = resp.json().await.unwrap_or_default();
    if ok {
        Ok(json)
    } else {
        Err(serde_json::from_value::<AppError>(json).unwrap_or_else(|_| AppError::network()))
    }
}

/// Go to `url` with a full page load (the server renders it fresh).
#[cfg(feature = "browser")]
pub fn go(url: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(url);
    }
}
