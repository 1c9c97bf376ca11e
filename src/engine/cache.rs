//! The ids of alerts known to exist ([`KnownAlerts`]); the bounded caches themselves are
//! built by `store::cache`.

/// How many alert ids [`KnownAlerts`] holds before it starts over.
pub const KNOWN_ALERTS_MAX: usize = 200_000;

/// Alert ids this process knows exist: raised here, or found existing when raised again.
/// An alert once raised stands (raising it again appends nothing), so a known id needs no
/// command. Without it the deadline watcher loaded every alert of every open case each minute,
/// and every event on a case loaded each of its alerts again. Bounded: past
/// [`KNOWN_ALERTS_MAX`] ids it starts over (a forgotten id costs one load, nothing more).
#[derive(Debug, Default)]
pub struct KnownAlerts(std::sync::Mutex<std::collections::HashSet<String>>);

impl KnownAlerts {
    /// Whether `id` is known to exist.
    pub fn contains(&self, id: &str) -> bool {
        self.0.lock().is_ok_and(|known| known.contains(id))
    }

    /// Remembers `id` (past [`KNOWN_ALERTS_MAX`] ids, starting over).
    pub fn insert(&self, id: String) {
        if let Ok(mut known) = self.0.lock() {
            if known.len() >= KNOWN_ALERTS_MAX {
                known.clear();
            }
            known.insert(id);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map_or(0, |known| known.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_alerts_remember_ids_and_start_over_when_full() {
        let known = KnownAlerts::default();
        assert_eq!(known.len(), 0);
        known.insert("YG1:red_card:statutory".into());
        assert!(known.contains("YG1:red_card:statutory"));
        assert!(!known.contains("YG1:red_card:promised"));
        for i in 1..KNOWN_ALERTS_MAX {
            known.insert(format!("YG{i}:x:y"));
        }
        assert_eq!(known.len(), KNOWN_ALERTS_MAX);
        known.insert("YG-next:x:y".into());
        assert_eq!(known.len(), 1);
        assert!(known.contains("YG-next:x:y"));
        assert!(!known.contains("YG1:red_card:statutory"));
    }
}
