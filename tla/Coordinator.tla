---------------------------- MODULE Coordinator ----------------------------
(***************************************************************************)
(* The coordination protocol of the coordinator service: locks with        *)
(* fencing tokens and leases, FIFO waiters, the work queue with claim      *)
(* tokens, leases, dependencies and cascades, sessions that end or are     *)
(* reaped, and the policy gate in front of every change.                   *)
(*                                                                         *)
(* One action is one committed SQL statement (or one transaction) of the   *)
(* service, except a lock acquire, which is split in two (Request, Grant)  *)
(* because what happens between its session check and its commit is where *)
(* the races live (LockSql.ACQUIRE). The fixes the code relies on are      *)
(* constants, so a cfg can switch one off and show the invariant it keeps: *)
(*   FixedSessionRace  an acquire holds its session FOR SHARE from its     *)
(*                     check to its commit; an end/reap (FOR UPDATE) waits *)
(*                     for it, then frees what the session holds           *)
(*                     (SessionSql.CLOSE_TEMPLATE + FREE).                 *)
(*   KeySerialized     the grant decision is taken under the per-key       *)
(*                     advisory lock and row lock, at the grant's clock,   *)
(*                     not from the request's snapshot.                    *)
(*   TokenAtGrant      the fencing token is drawn after those waits.       *)
(*   CompareClaimToken complete/renew compare (id, claim_token, status)    *)
(*                     and the lease (TaskSql.COMPLETE).                   *)
(*   ClaimOnlyPending  a claim takes only a pending row, locked FOR UPDATE *)
(*                     SKIP LOCKED (TaskSql.CLAIM).                        *)
(*   ClaimAfterDeps    a claim takes only a task whose dependencies all    *)
(*                     completed (TaskSql.CLAIM).                          *)
(*   CancelOnlyOpen    a cancel changes only a pending or claimed task     *)
(*                     (TaskSql.CANCEL).                                   *)
(*   Ungated           actions that skip the policy gate (empty in the     *)
(*                     service; a side door in a broken cfg).              *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, Sequences, TLC

CONSTANTS
    Agents,            \* agent ids
    Keys,              \* lock keys
    Tasks,             \* task ids (each submitted at most once)
    Deps,              \* set of <<t, d>>: task t depends on task d (acyclic)
    SessionsPerAgent,  \* sessions an agent may register over a run
    LockTtl,           \* a lock's ttl, in clock ticks
    Lease,             \* a claim's lease, in clock ticks
    ReapAfter,         \* a session silent longer than this is reaped
    MaxTime,           \* the clock's bound (model size)
    MaxToken,          \* fencing tokens drawn at most (model size)
    MaxAttempts,       \* a task fails when a lease runs out on its last attempt
    Allowed,           \* the policy: set of <<principal, action>> the gate allows
    Ungated,           \* actions that skip the gate ({} in the service)
    FixedSessionRace, KeySerialized, TokenAtGrant, CompareClaimToken,
    ClaimOnlyPending, ClaimAfterDeps, CancelOnlyOpen

System == "system"     \* the principal of the sweeper and the reaper
Sessions == Agents \X (1..SessionsPerAgent)
Owner(s) == s[1]
NoSession == <<"none", 0>>
DepsOf(t) == {d \in Tasks : <<t, d>> \in Deps}
Terminal == {"completed", "failed", "cancelled"}

VARIABLES
    now,       \* the database clock
    sess,      \* [Sessions -> {"new", "active", "ended"}]
    hb,        \* [Sessions -> last heartbeat]
    locks,     \* [Keys -> set of lock rows [s, tok, exp]]; a row with exp <= now is free
    fence,     \* the last fencing token drawn (lock_fencing_token_seq)
    pending,   \* acquires between their session check and their commit
    waiters,   \* [Keys -> Seq(Sessions)]: FIFO waiters (LockWaiters)
    task,      \* [Tasks -> [st, by, s, tok, lease, att]]
    claimTok,  \* the last claim token issued
    issued,    \* set of [t, tok, a]: every claim token ever handed out (task_claims)
    \* ghosts, read only by the invariants
    grantTok,  \* [Keys -> token of the latest fresh grant]
    prevTok,   \* [Keys -> token of the fresh grant before it]
    doneTok,   \* [Tasks -> claim token that completed the task, 0 if none]
    finishes,  \* [Tasks -> times a terminal status was written]
    claims,    \* [Tasks -> claims taken since the task last became pending]
    breach     \* a change was made that the gate did not allow

vars == <<now, sess, hb, locks, fence, pending, waiters, task, claimTok, issued,
          grantTok, prevTok, doneTok, finishes, claims, breach>>
lockVars == <<locks, fence, pending, waiters, grantTok, prevTok>>
taskVars == <<task, claimTok, issued, doneTok, finishes, claims>>

(* ENF-1: every change passes the gate; the ghost records one that did not. *)
Gate(p, act) == <<p, act>> \in Allowed \/ act \in Ungated
Gated(p, act) == Gate(p, act) /\ breach' = (breach \/ <<p, act>> \notin Allowed)

Live(g) == g.exp > now
LiveRows(k) == {g \in locks[k] : Live(g)}
Mine(s, k) == {g \in LiveRows(k) : g.s = s}
\* A key is grantable to s when it has no live row or s holds it (then it is a refresh).
Grantable(s, k) == \A g \in LiveRows(k) : g.s = s

RECURSIVE Closure(_)
Closure(S) == LET N == S \cup {t \in Tasks : \E d \in S : <<t, d>> \in Deps}
              IN IF N = S THEN S ELSE Closure(N)

Bump(X) == [t \in Tasks |-> finishes[t] + (IF t \in X THEN 1 ELSE 0)]

(* TaskSql.CASCADE: pending dependents, transitively, of the failed or cancelled roots. *)
Cascaded(tk, roots) == {t \in Closure(roots) \ roots : tk[t].st = "pending"}
WithCascade(tk, roots) ==
    [t \in Tasks |-> IF t \in Cascaded(tk, roots) THEN [tk[t] EXCEPT !.st = "cancelled"] ELSE tk[t]]

(* TaskSql.requeue: a claim that ended without a completion goes back to the queue, or fails on *)
(* its last attempt; either way its token is gone.                                           *)
Requeued(R) ==
    [t \in Tasks |-> IF t \in R
        THEN [task[t] EXCEPT !.st = IF task[t].att >= MaxAttempts THEN "failed" ELSE "pending",
                             !.s = NoSession, !.tok = 0, !.lease = 0]
        ELSE task[t]]
FailedIn(tk, R) == {t \in R : tk[t].st = "failed"}

(* Gives back the claims in R and cascades the failures, with the TASK-2 ghost. *)
GiveBack(R) ==
    LET rq == Requeued(R)
        roots == FailedIn(rq, R)
    IN /\ task' = WithCascade(rq, roots)
       /\ finishes' = Bump(roots \cup Cascaded(rq, roots))
       /\ claims' = [t \in Tasks |-> IF t \in R THEN 0 ELSE claims[t]]

Init ==
    /\ now = 0
    /\ sess = [s \in Sessions |-> "new"]
    /\ hb = [s \in Sessions |-> 0]
    /\ locks = [k \in Keys |-> {}]
    /\ fence = 0
    /\ pending = {}
    /\ waiters = [k \in Keys |-> <<>>]
    /\ task = [t \in Tasks |-> [st |-> "unsubmitted", by |-> System, s |-> NoSession,
                                tok |-> 0, lease |-> 0, att |-> 0]]
    /\ claimTok = 0
    /\ issued = {}
    /\ grantTok = [k \in Keys |-> 0]
    /\ prevTok = [k \in Keys |-> 0]
    /\ doneTok = [t \in Tasks |-> 0]
    /\ finishes = [t \in Tasks |-> 0]
    /\ claims = [t \in Tasks |-> 0]
    /\ breach = FALSE

Tick ==
    /\ now < MaxTime
    /\ now' = now + 1
    /\ UNCHANGED <<sess, hb, lockVars, taskVars, breach>>

-----------------------------------------------------------------------------
(* Sessions *)

Register(s) ==
    /\ sess[s] = "new"
    /\ Gated(Owner(s), "register")
    /\ sess' = [sess EXCEPT ![s] = "active"]
    /\ hb' = [hb EXCEPT ![s] = now]
    /\ UNCHANGED <<now, lockVars, taskVars>>

Heartbeat(s) ==
    /\ sess[s] = "active"
    /\ Gated(Owner(s), "heartbeat")
    /\ hb' = [hb EXCEPT ![s] = now]
    /\ UNCHANGED <<now, sess, lockVars, taskVars>>

(* SessionSql: close the session, then (second statement, same transaction) free exactly its *)
(* locks and give back exactly its claims; its waits stop. With the fix, the close waits for  *)
(* every acquire that holds the session FOR SHARE (in pending) to commit first.               *)
Close(s) ==
    /\ sess[s] = "active"
    /\ FixedSessionRace => \A r \in pending : r.s # s
    /\ sess' = [sess EXCEPT ![s] = "ended"]
    /\ locks' = [k \in Keys |-> {g \in locks[k] : g.s # s}]
    /\ waiters' = [k \in Keys |-> SelectSeq(waiters[k], LAMBDA w : w # s)]
    /\ GiveBack({t \in Tasks : task[t].st = "claimed" /\ task[t].s = s})
    /\ UNCHANGED <<now, hb, fence, pending, grantTok, prevTok, claimTok, issued, doneTok>>

End(s) == Gated(Owner(s), "end") /\ Close(s)

Reap(s) ==
    /\ sess[s] = "active"
    /\ now - hb[s] > ReapAfter
    /\ Gated(System, "reap")
    /\ Close(s)

-----------------------------------------------------------------------------
(* Locks *)

(* Only the head waiter of a key tries it; an agent tries a key nobody waits for directly. *)
MayTry(s, k) == IF Len(waiters[k]) = 0 THEN TRUE ELSE Head(waiters[k]) = s
(* LockSql.ACQUIRE reads the line (lock_waits) at its grant, under the key's lock: a free key *)
(* goes to the first in line, or to anyone when nobody waits; a holder may always refresh.   *)
LineAllows(s, k) == MayTry(s, k) \/ Mine(s, k) # {}

(* LockSql.ACQUIRE up to its session check: the session must be active (and is then held *)
(* FOR SHARE). Broken variants decide the grant or draw the token here, too early.       *)
Request(s, k) ==
    /\ sess[s] = "active"
    /\ MayTry(s, k)
    /\ ~\E r \in pending : r.s = s
    /\ Gated(Owner(s), "acquire")
    /\ TokenAtGrant \/ fence < MaxToken
    /\ pending' = pending \cup {[s |-> s, k |-> k, free |-> Grantable(s, k),
                                 tok |-> IF TokenAtGrant THEN 0 ELSE fence + 1]}
    /\ fence' = IF TokenAtGrant THEN fence ELSE fence + 1
    /\ UNCHANGED <<now, sess, hb, locks, waiters, grantTok, prevTok, taskVars>>

(* The acquire commits (its gate was passed at Request): under the per-key serialization it judges the row at its own clock; *)
(* a refresh keeps the token and acquisition, a fresh grant takes a new token.             *)
Grant(r) ==
    LET s == r.s
        k == r.k
        ok == IF KeySerialized THEN Grantable(s, k) /\ LineAllows(s, k) ELSE r.free
        refresh == Mine(s, k) # {}
        tok == IF TokenAtGrant THEN fence + 1 ELSE r.tok
    IN
    /\ r \in pending
    /\ pending' = pending \ {r}
    /\ IF ~ok
         THEN UNCHANGED <<locks, fence, grantTok, prevTok, waiters>>
       ELSE IF refresh
         THEN /\ locks' = [locks EXCEPT ![k] = {IF g.s = s THEN [g EXCEPT !.exp = now + LockTtl] ELSE g : g \in @}]
              /\ waiters' = [waiters EXCEPT ![k] = SelectSeq(@, LAMBDA w : w # s)]
              /\ UNCHANGED <<fence, grantTok, prevTok>>
         ELSE /\ TokenAtGrant => fence < MaxToken
              /\ fence' = IF TokenAtGrant THEN fence + 1 ELSE fence
              /\ locks' = [locks EXCEPT ![k] = {g \in LiveRows(k) : g.s # s}
                                                \cup {[s |-> s, tok |-> tok, exp |-> now + LockTtl]}]
              /\ waiters' = [waiters EXCEPT ![k] = SelectSeq(@, LAMBDA w : w # s)]
              /\ prevTok' = [prevTok EXCEPT ![k] = grantTok[k]]
              /\ grantTok' = [grantTok EXCEPT ![k] = tok]
    /\ UNCHANGED <<now, sess, hb, taskVars, breach>>

(* An acquire with wait_ms behind a live holder queues (LockWaiters). *)
Wait(s, k) ==
    /\ sess[s] = "active"
    /\ ~Grantable(s, k)
    /\ \A i \in 1..Len(waiters[k]) : waiters[k][i] # s
    /\ Gated(Owner(s), "acquire")
    /\ waiters' = [waiters EXCEPT ![k] = Append(@, s)]
    /\ UNCHANGED <<now, sess, hb, locks, fence, pending, grantTok, prevTok, taskVars>>

(* A waiter's time runs out: it leaves the line, changing no data. *)
GiveUp(s, k) ==
    /\ \E i \in 1..Len(waiters[k]) : waiters[k][i] = s
    /\ waiters' = [waiters EXCEPT ![k] = SelectSeq(@, LAMBDA w : w # s)]
    /\ UNCHANGED <<now, sess, hb, locks, fence, pending, grantTok, prevTok, taskVars, breach>>

(* LockSql.RELEASE / RENEW: only the (agent, session) holder of a live lock. *)
Release(s, k) ==
    /\ Mine(s, k) # {}
    /\ Gated(Owner(s), "release")
    /\ locks' = [locks EXCEPT ![k] = @ \ Mine(s, k)]
    /\ UNCHANGED <<now, sess, hb, fence, pending, waiters, grantTok, prevTok, taskVars>>

RenewLock(s, k) ==
    /\ Mine(s, k) # {}
    /\ Gated(Owner(s), "renew")
    /\ locks' = [locks EXCEPT ![k] = {IF g.s = s THEN [g EXCEPT !.exp = now + LockTtl] ELSE g : g \in @}]
    /\ UNCHANGED <<now, sess, hb, fence, pending, waiters, grantTok, prevTok, taskVars>>

-----------------------------------------------------------------------------
(* Queue *)

(* TaskSql.SUBMIT: every dependency must exist; one already failed or cancelled dooms it. *)
Submit(a, t) ==
    LET doomed == \E d \in DepsOf(t) : task[d].st \in {"failed", "cancelled"}
    IN
    /\ task[t].st = "unsubmitted"
    /\ \A d \in DepsOf(t) : task[d].st # "unsubmitted"
    /\ Gated(a, "submit")
    /\ task' = [task EXCEPT ![t].st = IF doomed THEN "cancelled" ELSE "pending", ![t].by = a]
    /\ finishes' = Bump(IF doomed THEN {t} ELSE {})
    /\ UNCHANGED <<now, sess, hb, lockVars, claimTok, issued, doneTok, claims, breach>>

(* TaskSql.CLAIM: in an active session, a pending task whose dependencies all completed. *)
(* Broken variants take a task another claim holds, or one whose dependencies are open.   *)
Claim(s, t) ==
    /\ sess[s] = "active"
    /\ task[t].st \in IF ClaimOnlyPending THEN {"pending"} ELSE {"pending", "claimed"}
    /\ ClaimAfterDeps => \A d \in DepsOf(t) : task[d].st = "completed"
    /\ now + Lease <= MaxTime   \* model bound: no lease outlives the clock
    /\ Gated(Owner(s), "claim")
    /\ claimTok' = claimTok + 1
    /\ task' = [task EXCEPT ![t].st = "claimed", ![t].s = s, ![t].tok = claimTok + 1,
                            ![t].lease = now + Lease, ![t].att = @ + 1]
    /\ issued' = issued \cup {[t |-> t, tok |-> claimTok + 1, a |-> Owner(s)]}
    /\ claims' = [claims EXCEPT ![t] = @ + 1]
    /\ UNCHANGED <<now, sess, hb, lockVars, doneTok, finishes>>

(* Whether a presented claim token still names the current claim of agent a. *)
Current(a, t, tok) ==
    IF CompareClaimToken
    THEN task[t].st = "claimed" /\ task[t].tok = tok /\ Owner(task[t].s) = a /\ task[t].lease > now
    ELSE task[t].st = "claimed" /\ Owner(task[t].s) = a

RenewClaim(a, t, tok) ==
    /\ [t |-> t, tok |-> tok, a |-> a] \in issued
    /\ Current(a, t, tok)
    /\ now + Lease <= MaxTime
    /\ Gated(a, "renew_claim")
    /\ task' = [task EXCEPT ![t].lease = now + Lease]
    /\ UNCHANGED <<now, sess, hb, lockVars, claimTok, issued, doneTok, finishes, claims>>

(* TaskSql.COMPLETE: compare-and-set on (id, claim_token, status) within the lease; a failure *)
(* cancels the pending dependents.                                                         *)
Complete(a, t, tok, success) ==
    LET tk == [task EXCEPT ![t].st = IF success THEN "completed" ELSE "failed", ![t].lease = 0]
        roots == IF success THEN {} ELSE {t}
    IN
    /\ [t |-> t, tok |-> tok, a |-> a] \in issued
    /\ Current(a, t, tok)
    /\ Gated(a, "complete")
    /\ task' = WithCascade(tk, roots)
    /\ doneTok' = [doneTok EXCEPT ![t] = tok]
    /\ finishes' = Bump({t} \cup Cascaded(tk, roots))
    /\ UNCHANGED <<now, sess, hb, lockVars, claimTok, issued, claims, breach>>

(* TaskSql.CANCEL: the submitter (or an admin) cancels an open task, with its dependents. *)
(* A broken variant cancels a finished task again.                                      *)
Cancel(a, t) ==
    LET tk == [task EXCEPT ![t].st = "cancelled", ![t].lease = 0]
    IN
    /\ task[t].st \in IF CancelOnlyOpen THEN {"pending", "claimed"} ELSE {"pending", "claimed"} \cup Terminal
    /\ task[t].by = a \/ Gate(a, "cancel_any")
    /\ Gated(a, "cancel")
    /\ task' = WithCascade(tk, {t})
    /\ finishes' = Bump({t} \cup Cascaded(tk, {t}))
    /\ UNCHANGED <<now, sess, hb, lockVars, claimTok, issued, doneTok, claims>>

(* TaskSql.SWEEP: a claim whose lease ran out goes back to the queue, or fails. *)
Sweep(t) ==
    /\ task[t].st = "claimed"
    /\ task[t].lease <= now
    /\ Gated(System, "sweep")
    /\ GiveBack({t})
    /\ UNCHANGED <<now, sess, hb, lockVars, claimTok, issued, doneTok>>

-----------------------------------------------------------------------------

Next ==
    \/ Tick
    \/ \E s \in Sessions : Register(s) \/ Heartbeat(s) \/ End(s) \/ Reap(s)
    \/ \E s \in Sessions, k \in Keys :
         Request(s, k) \/ Wait(s, k) \/ GiveUp(s, k) \/ Release(s, k) \/ RenewLock(s, k)
    \/ \E r \in pending : Grant(r)
    \/ \E a \in Agents, t \in Tasks : Submit(a, t) \/ Cancel(a, t)
    \/ \E s \in Sessions, t \in Tasks : Claim(s, t)
    \/ \E i \in issued, success \in BOOLEAN :
         RenewClaim(i.a, i.t, i.tok) \/ Complete(i.a, i.t, i.tok, success)
    \/ \E t \in Tasks : Sweep(t)

Spec == Init /\ [][Next]_vars

(* Fairness for the liveness properties: time passes, the sweeper runs, an agent that may *)
(* try a key does, and an acquire under way commits.                                    *)
FairSpec ==
    /\ Spec
    /\ WF_vars(Tick)
    /\ \A t \in Tasks : WF_vars(Sweep(t))
    /\ \A s \in Sessions, k \in Keys : WF_vars(Request(s, k))
    /\ WF_vars(\E r \in pending : Grant(r))

-----------------------------------------------------------------------------
(* Invariants, named by the requirement they check (shared/design/requirements.md). *)

TypeOK ==
    /\ now \in 0..MaxTime
    /\ sess \in [Sessions -> {"new", "active", "ended"}]
    /\ fence \in 0..MaxToken
    /\ \A t \in Tasks : task[t].st \in {"unsubmitted", "pending", "claimed"} \cup Terminal
    /\ breach \in BOOLEAN

(* LOCK-1: at most one live holder per key. *)
LOCK1_OneLiveHolder == \A k \in Keys : Cardinality(LiveRows(k)) <= 1

(* LOCK-2: every change of holder takes a token above all earlier ones (a refresh keeps it). *)
LOCK2_TokensRise == \A k \in Keys : grantTok[k] = 0 \/ grantTok[k] > prevTok[k]

(* LOCK-4 (and TASK-5 for claims): nothing is held by a session that is not active. *)
LOCK4_NothingHeldByEndedSession ==
    /\ \A k \in Keys : \A g \in locks[k] : sess[g.s] = "active"
    /\ \A t \in Tasks : task[t].st = "claimed" => sess[task[t].s] = "active"

(* TASK-1: one claimant at a time (one claim per time the task is pending), a new token per *)
(* claim.                                                                                  *)
LatestTok(t) == LET toks == {i.tok : i \in {j \in issued : j.t = t}}
                IN IF toks = {} THEN 0 ELSE CHOOSE x \in toks : \A y \in toks : y <= x
TASK1_OneClaimant ==
    /\ \A t \in Tasks : claims[t] <= 1
    /\ \A t \in Tasks : task[t].st = "claimed" =>
          task[t].s # NoSession /\ task[t].tok = LatestTok(t)
    /\ \A i, j \in issued : i.tok = j.tok => i = j

(* TASK-2: a terminal status is written at most once and never left. *)
TASK2_TerminalOnce ==
    \A t \in Tasks : finishes[t] <= 1 /\ (finishes[t] = 1 <=> task[t].st \in Terminal)

(* TASK-3: only the current claim completes a task; a stale token is refused. *)
TASK3_StaleClaimRefused == \A t \in Tasks : doneTok[t] # 0 => doneTok[t] = LatestTok(t)

(* TASK-4: claimed or completed only after every dependency completed; a failed or *)
(* cancelled dependency leaves no pending dependent.                                *)
TASK4_DependenciesRespected ==
    \A t \in Tasks :
        /\ task[t].st \in {"claimed", "completed"} => \A d \in DepsOf(t) : task[d].st = "completed"
        /\ task[t].st = "pending" => \A d \in DepsOf(t) : task[d].st \notin {"failed", "cancelled"}

(* ENF-1: no change without an allow. *)
ENF1_NoChangeWithoutAllow == ~breach

-----------------------------------------------------------------------------
(* Liveness (checked under FairSpec) *)

InLine(s, k) == \E i \in 1..Len(waiters[k]) : waiters[k][i] = s
HeadOf(s, k) == Len(waiters[k]) > 0 /\ Head(waiters[k]) = s

(* LOCK-5: a key that is free while s heads its line is granted to s, unless s leaves the  *)
(* line first (its time ran out, its session ended) or the model ran out of fencing tokens. *)
(* No wake-up is lost and nobody takes the head's turn.                                     *)
LOCK5_FreedKeyServed ==
    \A s \in Sessions, k \in Keys :
        (HeadOf(s, k) /\ LiveRows(k) = {}) ~> (~InLine(s, k) \/ Mine(s, k) # {} \/ fence = MaxToken)

(* TASK-5: a claimed task is eventually finished or back in the queue. *)
TASK5_ClaimEnds == \A t \in Tasks : task[t].st = "claimed" ~> task[t].st # "claimed"

=============================================================================
