//! The retry helper: classification, exhaustion, deadlines and budgets, on a manual clock.

use std::time::Duration;

use retry_counter::{
    Clock, Exhausted, ManualClock, Retrier, RetryBudget, RetryConfig, RetryError, retry,
};

#[derive(Debug, Clone, PartialEq)]
enum ZkError {
    ConnectionLoss,
    NodeExists,
}

fn config(max_attempts: u32) -> RetryConfig {
    RetryConfig::exponential(Duration::from_millis(100))
        .max_attempts(max_attempts)
        .build()
        .unwrap()
}

#[test]
fn zookeeper_retries_connection_loss_and_stops_on_node_exists() {
    let _deadline =
        gauntlet_oracle::no_hang("zookeeper_retries_connection_loss_and_stops_on_node_exists");
    let clock = ManualClock::new();
    let cfg = config(10);
    let mut script = vec![
        ZkError::ConnectionLoss,
        ZkError::ConnectionLoss,
        ZkError::NodeExists,
    ]
    .into_iter();
    let r: Result<(), _> = Retrier::new(&cfg).time(clock.clone(), clock.clone()).run(
        |e| *e == ZkError::ConnectionLoss,
        || Err(script.next().unwrap()),
    );
    assert_eq!(
        r,
        Err(RetryError::Permanent {
            error: ZkError::NodeExists,
            retries: 2
        })
    );
    assert_eq!(clock.now(), Duration::from_millis(300));
}

impl std::fmt::Display for ZkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ZkError::ConnectionLoss => "connection loss",
            ZkError::NodeExists => "node exists",
        })
    }
}

#[test]
fn success_after_retries_returns_the_value() {
    let _deadline = gauntlet_oracle::no_hang("success_after_retries_returns_the_value");
    let clock = ManualClock::new();
    let cfg = config(5);
    let mut calls = 0;
    let r = Retrier::new(&cfg).time(clock.clone(), clock.clone()).run(
        |_: &ZkError| true,
        || {
            calls += 1;
            if calls < 4 {
                Err(ZkError::ConnectionLoss)
            } else {
                Ok(calls)
            }
        },
    );
    assert_eq!(r, Ok(4));
    assert_eq!(clock.now(), Duration::from_millis(100 + 200 + 400));
}

#[test]
fn exhausted_after_max_attempts() {
    let _deadline = gauntlet_oracle::no_hang("exhausted_after_max_attempts");
    let clock = ManualClock::new();
    let cfg = config(3);
    let mut calls = 0;
    let r: Result<(), _> = Retrier::new(&cfg).time(clock.clone(), clock).run(
        |_| true,
        || {
            calls += 1;
            Err(ZkError::ConnectionLoss)
        },
    );
    assert_eq!(calls, 4, "one call plus three retries");
    let e = r.unwrap_err();
    assert_eq!(e.retries(), 3);
    assert!(matches!(
        e,
        RetryError::Exhausted {
            reason: Exhausted::Attempts { max_attempts: 3 },
            ..
        }
    ));
    assert!(e.to_string().contains("gave up after 3 retries"));
    assert_eq!(e.into_inner(), ZkError::ConnectionLoss);
}

#[test]
fn deadline_stops_the_helper() {
    let _deadline = gauntlet_oracle::no_hang("deadline_stops_the_helper");
    let clock = ManualClock::new();
    let cfg = RetryConfig::fixed(Duration::from_millis(400))
        .max_attempts(100)
        .deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    let r: Result<(), _> = Retrier::new(&cfg)
        .time(clock.clone(), clock.clone())
        .run(|_| true, || Err(ZkError::ConnectionLoss));
    assert!(matches!(
        r,
        Err(RetryError::Exhausted {
            reason: Exhausted::Deadline { .. },
            retries: 3,
            ..
        })
    ));
    assert_eq!(clock.now(), Duration::from_secs(1));
}

#[test]
fn budget_caps_retry_amplification_across_requests() {
    let _deadline = gauntlet_oracle::no_hang("budget_caps_retry_amplification_across_requests");
    // 100 failing requests with 10 retries each would make 1000 retries; a 20 % budget with no
    // reserve allows 20.
    let clock = ManualClock::new();
    let budget = RetryBudget::with_clock(Duration::from_secs(10), 0, 0.2, clock.clone()).unwrap();
    let cfg = config(10);
    let mut calls = 0;
    let mut budget_stops = 0;
    for _ in 0..100 {
        let r: Result<(), _> = Retrier::new(&cfg)
            .budget(&budget)
            .time(clock.clone(), ManualClock::new())
            .run(
                |_| true,
                || {
                    calls += 1;
                    Err(ZkError::ConnectionLoss)
                },
            );
        if matches!(r, Err(RetryError::BudgetExhausted { .. })) {
            budget_stops += 1;
        }
    }
    assert_eq!(calls, 100 + 20);
    assert!(budget_stops >= 90);
}

#[test]
fn the_plain_function_uses_real_time_briefly() {
    let _deadline = gauntlet_oracle::no_hang("the_plain_function_uses_real_time_briefly");
    let cfg = RetryConfig::fixed(Duration::from_millis(1))
        .max_attempts(2)
        .build()
        .unwrap();
    let r: Result<u8, RetryError<&str>> = retry(&cfg, |_| true, || Err("down"));
    assert_eq!(r.unwrap_err().retries(), 2);
}

#[cfg(feature = "tokio")]
#[tokio::test(start_paused = true)]
async fn async_helper_sleeps_on_tokio_time() {
    let cfg = config(4);
    let start = tokio::time::Instant::now();
    let mut calls = 0;
    let r = retry_counter::retry_async(
        &cfg,
        |e: &ZkError| *e == ZkError::ConnectionLoss,
        || {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    Err(ZkError::ConnectionLoss)
                } else {
                    Ok(n)
                }
            }
        },
    )
    .await;
    assert_eq!(r, Ok(3));
    assert_eq!(start.elapsed(), Duration::from_millis(300));
}
