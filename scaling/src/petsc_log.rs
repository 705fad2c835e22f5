//! PETSc's log of a `poisson` run, `-log_view :FILE:ascii_csv`: per stage,
//! per event, per rank, count and time (the same columns from PETSc 3.18 to
//! 3.22). The run's outcome and memory are in its record.

use std::collections::HashMap;

use crate::error::Error;

/// An event's figures in one stage: the slowest rank's time, as `-log_view`
/// reports it, and the largest call count.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EventTimes {
    pub seconds: f64,
    pub count: u64,
}

/// The log's events by (stage, event); a stage's own total is its event
/// named "summary".
#[derive(Debug, Default)]
pub struct Log {
    events: HashMap<(String, String), EventTimes>,
}

impl Log {
    /// Reads the text of a `-log_view ...:ascii_csv` file.
    pub fn parse(text: &str) -> Result<Log, Error> {
        let mut lines = text.lines();
        let header: Vec<&str> = lines
            .find(|l| l.starts_with("Stage Name,"))
            .ok_or_else(|| unreadable("no \"Stage Name,...\" header: not a -log_view ascii_csv file"))?
            .split(',')
            .collect();
        let column = |name: &str| {
            let found = header.iter().position(|&h| h == name);
            found.ok_or_else(|| unreadable(format!("the log has no column \"{name}\"")))
        };
        let (stage, event, count, time) =
            (column("Stage Name")?, column("Event Name")?, column("Count")?, column("Time")?);
        let mut log = Log::default();
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let fields: Vec<&str> = line.split(',').collect();
            let field =
                |i: usize| fields.get(i).copied().ok_or_else(|| unreadable(format!("short line in the log: {line:?}")));
            let number = |i: usize| -> Result<f64, Error> {
                let text = field(i)?;
                text.trim()
                    .parse()
                    .map_err(|_| unreadable(format!("{text:?} is not a number in the log line {line:?}")))
            };
            let times = EventTimes { seconds: number(time)?, count: number(count)? as u64 };
            let slot = log.events.entry((field(stage)?.to_string(), field(event)?.to_string())).or_default();
            slot.seconds = slot.seconds.max(times.seconds);
            slot.count = slot.count.max(times.count);
        }
        Ok(log)
    }

    /// An event in a stage; zero if it never ran there.
    pub fn event(&self, stage: &str, event: &str) -> EventTimes {
        self.events.get(&(stage.to_string(), event.to_string())).copied().unwrap_or_default()
    }

    /// A stage's total time (slowest rank), or an error if the log lacks it.
    pub fn stage(&self, stage: &str) -> Result<f64, Error> {
        self.events
            .get(&(stage.to_string(), "summary".to_string()))
            .map(|t| t.seconds)
            .ok_or_else(|| unreadable(format!("the log has no stage \"{stage}\"")))
    }
}

/// What a run wrote, found lacking.
fn unreadable(message: impl Into<String>) -> Error {
    Error::Unreadable(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str =
        "Stage Name,Event Name,Rank,Count,Time,Num Messages,Message Length,Num Reductions,FLOP,dof0,dof1,e0,2
Main Stage,summary,0,1,0.00198879,0.,0.,4.,0.
Solver,summary,0,1,0.0372312,1871.,574784.,585.,1.16482e+07
Solver,MatMult,0,589,0.00694831,1190.,443324.,3.,6.00294e+06
Solver,KSPSolve,0,1,0.0146947,1556.,472632.,136.,1.03187e+07
Solver,summary,1,1,0.0380000,1871.,574784.,585.,1.16482e+07
Solver,MatMult,1,589,0.00600000,1190.,443324.,3.,6.00294e+06
Solver,PCSetUp,1,2,0.0224595,313.,101112.,443.,1.29901e+06
";

    #[test]
    fn events_keep_the_slowest_rank() {
        let log = Log::parse(LOG).unwrap();
        assert_eq!(log.stage("Solver").unwrap(), 0.038);
        assert_eq!(log.event("Solver", "MatMult"), EventTimes { seconds: 0.00694831, count: 589 });
        assert_eq!(log.event("Solver", "PCSetUp").count, 2);
        assert_eq!(log.event("Solver", "MatSOR"), EventTimes::default());
        assert!(log.stage("Nowhere").unwrap_err().to_string().contains("Nowhere"));
    }

    #[test]
    fn broken_logs_are_refused() {
        assert!(Log::parse("hello\n").unwrap_err().to_string().contains("header"));
        assert!(Log::parse("Stage Name,Event Name,Rank,Count,Time\nSolver,summary,0,1,abc\n").is_err());
        assert!(Log::parse("Stage Name,Event Name,Rank,Count,Time\nSolver,summary\n").is_err());
    }
}
