----------------------------- MODULE LockTrace -----------------------------
(***************************************************************************)
(* Trace validation (TLA-2): a history the service really produced, replayed *)
(* through the lock part of the model, whose own invariants judge it.       *)
(*                                                                         *)
(* A history is a sequence of events in the database's time order:         *)
(*   [kind |-> "grant", s, k, tok, at, exp]  s was granted key k with       *)
(*                                           fencing token tok at time at,  *)
(*                                           its lease ending at exp        *)
(*   [kind |-> "free",  s, k, tok, at]       s's lock on k (token tok) was  *)
(*                                           released at time at            *)
(* Times are milliseconds from the history's start. The state is the       *)
(* model's own (locks, now, grantTok, prevTok), so LOCK1_OneLiveHolder and *)
(* LOCK2_TokensRise are the very definitions of Coordinator.tla, instanced *)
(* here; a grant the service should not have made leaves two live rows or *)
(* a token that does not rise, and TLC reports the invariant violated.     *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, TLC

CONSTANT Events

TraceKeys == {Events[n].k : n \in 1..Len(Events)}

VARIABLES i, now, locks, grantTok, prevTok

Model == INSTANCE Coordinator WITH
    Agents <- {}, Keys <- TraceKeys, Tasks <- {}, Deps <- {}, SessionsPerAgent <- 0,
    LockTtl <- 0, Lease <- 0, ReapAfter <- 0, MaxTime <- 0, MaxToken <- 0, MaxAttempts <- 0,
    Allowed <- {}, Ungated <- {}, FixedSessionRace <- TRUE, KeySerialized <- TRUE,
    TokenAtGrant <- TRUE, CompareClaimToken <- TRUE, ClaimOnlyPending <- TRUE,
    ClaimAfterDeps <- TRUE, CancelOnlyOpen <- TRUE,
    sess <- <<>>, hb <- <<>>, fence <- 0, pending <- {}, waiters <- <<>>, task <- <<>>,
    claimTok <- 0, issued <- {}, doneTok <- <<>>, finishes <- <<>>, claims <- <<>>,
    breach <- FALSE

Init ==
    /\ i = 0
    /\ now = 0
    /\ locks = [k \in TraceKeys |-> {}]
    /\ grantTok = [k \in TraceKeys |-> 0]
    /\ prevTok = [k \in TraceKeys |-> 0]

(* As Coordinator's Grant: a holder's own live row is refreshed (its token kept); anything *)
(* else is a fresh grant, recorded in the LOCK-2 ghosts. Other rows stay, so a grant made  *)
(* beside a live holder shows as two live rows.                                           *)
Grant(e) ==
    LET refresh == \E g \in locks[e.k] : g.s = e.s /\ g.tok = e.tok /\ g.exp > e.at
    IN /\ locks' = [locks EXCEPT ![e.k] = {g \in @ : g.s # e.s} \cup {[s |-> e.s, tok |-> e.tok, exp |-> e.exp]}]
       /\ prevTok' = IF refresh THEN prevTok ELSE [prevTok EXCEPT ![e.k] = grantTok[e.k]]
       /\ grantTok' = IF refresh THEN grantTok ELSE [grantTok EXCEPT ![e.k] = e.tok]

Free(e) ==
    /\ locks' = [locks EXCEPT ![e.k] = {g \in @ : ~(g.s = e.s /\ g.tok = e.tok)}]
    /\ UNCHANGED <<grantTok, prevTok>>

Step ==
    /\ i < Len(Events)
    /\ LET e == Events[i + 1]
       IN /\ now' = e.at
          /\ IF e.kind = "grant" THEN Grant(e) ELSE Free(e)
    /\ i' = i + 1

Spec == Init /\ [][Step]_<<i, now, locks, grantTok, prevTok>>

LOCK1_OneLiveHolder == Model!LOCK1_OneLiveHolder
LOCK2_TokensRise == Model!LOCK2_TokensRise
=============================================================================
