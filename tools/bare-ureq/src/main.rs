//! setSettings for one user with bare ureq: the size floor for the minimal example.

fn main() -> Result<(), ureq::Error> {
    let token = std::env::var("SLACK_TOKEN").unwrap_or_default();
    let base = std::env::var("SLACK_API_URL").unwrap_or_else(|_| "https://slack.com/api/".into());
    let user = std::env::args().nth(1).unwrap_or_default();
    let mut answer = ureq::post(format!("{base}admin.users.session.setSettings"))
        .header("Authorization", format!("Bearer {token}"))
        .send_form([("user_ids", user.as_str()), ("duration", "43200")])?;
    println!("{}", answer.body_mut().read_to_string()?);
    Ok(())
}
