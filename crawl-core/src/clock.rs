//! The wall clock the frontier's ready-times and the HTTP cache use: seconds since the Unix
//! epoch, as a float, so that a time survives a restart (a job dir) or travels to another
//! process (a shared frontier).

use std::time::SystemTime;

/// The time now, in seconds since the Unix epoch.
pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}
