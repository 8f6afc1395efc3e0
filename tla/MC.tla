-------------------------------- MODULE MC --------------------------------
(* Model values for the cfgs: small enough for the build, big enough to reach every race. *)
EXTENDS Coordinator

MCAgents == {"a1", "a2"}
MCOneKey == {"k1"}
MCNoKeys == {}
MCNoTasks == {}
MCOneTask == {"t1"}
MCTwoTasks == {"t1", "t2"}
MCNoDeps == {}
MCChain == {<<"t2", "t1">>}

AgentActions == {"register", "heartbeat", "end", "acquire", "release", "renew",
                 "submit", "claim", "renew_claim", "complete", "cancel"}
SystemActions == {"reap", "sweep"}

(* a1 may do everything an agent does; a2 is a worker: no submitting or cancelling. *)
MCAllowed ==
    ({"a1"} \X AgentActions)
    \cup ({"a2"} \X (AgentActions \ {"submit", "cancel"}))
    \cup ({System} \X SystemActions)

(* A broken gate: a2 may not renew locks, but renewing skips the gate. *)
MCAllowedNoRenewForA2 == MCAllowed \ {<<"a2", "renew">>}
(* A broken policy for liveness: the sweeper is not allowed to run. *)
MCAllowedNoSweeper == MCAllowed \ {<<System, "sweep">>}

(* A broken waiter for liveness: the head of a line is never woken (no fairness on its try). *)
MCLostWakeUpSpec ==
    /\ Spec
    /\ WF_vars(Tick)
    /\ \A t \in Tasks : WF_vars(Sweep(t))
    /\ WF_vars(\E r \in pending : Grant(r))

MCSideDoor == {"renew"}
MCNoSideDoor == {}
=============================================================================
