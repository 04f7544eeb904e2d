//! Real time: an in-process bus (tokio `broadcast`) the use-cases publish to after their
//! transaction commits, and the rules a streaming connection applies to what it reads from it
//! (which of Mastodon's streams an event belongs to, and what one viewer may be shown).
//!
//! An event is built once (its audience worked out, its entity rendered at most once, by the
//! first connection that sends it) and shared by every connection through an `Arc`. The bus
//! holds at most [`BUS_CAPACITY`] events; a connection that falls further behind has lagged
//! and is closed, so a slow client never makes memory grow.

mod events;
mod publish;
mod subscribe;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch, OwnedSemaphorePermit, Semaphore};

pub use events::{Event, EventKind, Payload};
pub use subscribe::{Connection, Ended, Stream, StreamError};

/// Events kept for connections that have not read them yet. A few seconds of a busy
/// instance's traffic; a connection further behind is dropped.
pub const BUS_CAPACITY: usize = 256;

/// The bus and the bookkeeping that lets publishing cost nothing when nobody listens.
pub struct StreamBus {
    tx: broadcast::Sender<Arc<Event>>,
    /// One permit per open streaming connection.
    connections: Arc<Semaphore>,
    max_connections: usize,
    /// Open connections per account: only these accounts' home recipients are looked up.
    accounts: Mutex<HashMap<i64, usize>>,
    /// Flipped once at shutdown: every connection ends.
    shutdown: watch::Sender<bool>,
}

impl StreamBus {
    pub fn new(max_connections: usize) -> Self {
        let (tx, _) = broadcast::channel(BUS_CAPACITY);
        let (shutdown, _) = watch::channel(false);
        Self {
            tx,
            connections: Arc::new(Semaphore::new(max_connections)),
            max_connections,
            accounts: Mutex::new(HashMap::new()),
            shutdown,
        }
    }

    /// Is anyone connected? When not, publishers skip all work.
    pub fn active(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// Open streaming connections.
    pub fn open_connections(&self) -> usize {
        self.max_connections - self.connections.available_permits()
    }

    /// Sends `event` to every connection. Nobody listening is not an error.
    pub fn publish(&self, event: Event) {
        let _ = self.tx.send(Arc::new(event));
    }

    /// Ends every streaming connection (server shutdown); new ones are refused.
    pub fn close(&self) {
        self.connections.close();
        let _ = self.shutdown.send(true);
    }

    /// Accounts with an open connection, sorted.
    pub(crate) fn connected_accounts(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .accounts
            .lock()
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids
    }

    pub(crate) fn is_connected(&self, account: i64) -> bool {
        self.accounts.lock().is_ok_and(|m| m.contains_key(&account))
    }

    fn open(self: &Arc<Self>, account: i64) -> Result<Registration, StreamError> {
        let permit = match self.connections.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => return Err(StreamError::TooManyConnections),
        };
        if *self.shutdown.borrow() {
            return Err(StreamError::TooManyConnections);
        }
        if let Ok(mut m) = self.accounts.lock() {
            *m.entry(account).or_insert(0) += 1;
        }
        Ok(Registration {
            bus: self.clone(),
            account,
            rx: self.tx.subscribe(),
            shutdown: self.shutdown.subscribe(),
            _permit: permit,
        })
    }
}

/// A connection's place on the bus: its receiver, its permit and its entry among the
/// connected accounts, all given back when it drops.
struct Registration {
    bus: Arc<StreamBus>,
    account: i64,
    rx: broadcast::Receiver<Arc<Event>>,
    shutdown: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut m) = self.bus.accounts.lock() {
            if let Some(n) = m.get_mut(&self.account) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&self.account);
                }
            }
        }
    }
}
