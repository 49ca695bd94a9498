// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ISlashingQueue
 * @notice Vetoable slashing by role, and insurance claims against executed slashes.
 *
 * The queue holds the registry's slasher role in place of people. A holder of the queue's `PROPOSER_ROLE` queues a
 * slash (an amount, or a share of the pool in basis points) with a reason; a holder of `VETOER_ROLE` (a security
 * council) may veto it until its veto window ends; from then, until its execution window ends, anyone executes it,
 * which calls the registry. Each slash is executed or vetoed at most once. Proven evidence (equivocation proofs,
 * the monitor's and scheduler's rule-based penalties) does not pass through the queue: it slashes at once.
 *
 * Executed slashes are the faults insurance claims are filed against: a user harmed by one files one claim
 * within the claim window after its execution; governance approves it (at most `maxClaimBps` of the insurance fund
 * per claim, and never more in total against one slash than that slash took) or rejects it; the claimant then
 * collects it, which credits the registry's withdrawable balance (`ISequencerRegistry.withdraw` pays it out).
 */
interface ISlashingQueue {
    /// @notice Where a queued slash stands. `None`: no such slash.
    enum SlashStatus {
        None,
        Pending,
        Vetoed,
        Executed
    }

    /// @notice Where a claim stands. `None`: no such claim.
    enum ClaimStatus {
        None,
        Filed,
        Approved,
        Rejected,
        Paid
    }

    /// @notice The governed terms, each set by {setTerm} within its bounds.
    /// `VetoWindow`: seconds after queueing during which a slash can be vetoed and not executed (1 hour – 30 days,
    /// and shorter than the registry's exit delay). `ExecutionWindow`: seconds after the veto window during which a
    /// slash can be executed before it lapses (1 hour – 30 days). `ClaimWindow`: seconds after a slash's execution
    /// during which claims can be filed against it (1 – 180 days). `MaxClaimBps`: the largest share of the
    /// insurance fund one claim can be approved for (1 – 5,000 bp).
    enum Term {
        VetoWindow,
        ExecutionWindow,
        ClaimWindow,
        MaxClaimBps
    }

    /// @notice A slash in the queue. `amount` is the wei asked for (0 for a share slash), `bps` the share of the
    /// pool asked for (0 for an amount slash); `taken` what the execution took and `claimed` what claims against it
    /// were approved for.
    struct QueuedSlash {
        uint64 sequencerId;
        uint16 bps;
        uint40 executableAt;
        uint40 expiresAt;
        uint40 executedAt;
        SlashStatus status;
        address proposer;
        uint128 amount;
        uint128 taken;
        uint128 claimed;
        bytes32 reason;
    }

    /// @notice An insurance claim against an executed slash.
    struct Claim {
        uint64 slashId;
        uint40 filedAt;
        ClaimStatus status;
        address claimant;
        uint128 requested;
        uint128 approved;
        bytes32 evidenceHash;
    }

    /// @notice A slash was queued.
    event SlashQueued(
        uint256 indexed slashId,
        uint256 indexed sequencerId,
        address indexed proposer,
        uint256 amount,
        uint256 bps,
        bytes32 reason,
        uint256 executableAt,
        uint256 expiresAt
    );
    /// @notice A vetoer vetoed a pending slash: it takes nothing.
    event SlashVetoed(uint256 indexed slashId, address indexed vetoer);
    /// @notice A slash was executed and took `taken` wei from the sequencer's pool into the insurance fund.
    event SlashExecuted(uint256 indexed slashId, uint256 indexed sequencerId, address indexed executor, uint256 taken);
    /// @notice A proposer suspended a sequencer through the queue (no funds move).
    event SuspensionRequested(uint256 indexed sequencerId, address indexed proposer);
    /// @notice Governance set a term.
    event TermUpdated(Term indexed term, uint256 oldValue, uint256 newValue);
    /// @notice A claim was filed against an executed slash.
    event ClaimFiled(
        uint256 indexed claimId,
        uint256 indexed slashId,
        address indexed claimant,
        uint256 requested,
        bytes32 evidenceHash
    );
    /// @notice Governance approved a claim for `amount` wei.
    event ClaimApproved(uint256 indexed claimId, uint256 amount);
    /// @notice Governance rejected a claim.
    event ClaimRejected(uint256 indexed claimId);
    /// @notice A claimant collected its approved claim (credited to its withdrawable balance in the registry).
    event ClaimPaid(uint256 indexed claimId, address indexed claimant, uint256 amount);

    error SlashingQueueZeroAddress();
    error SlashingQueueUnknownSequencer(uint256 sequencerId);
    error SlashingQueueZeroAmount();
    error SlashingQueueAmountTooLarge(uint256 amount, uint256 max);
    error SlashingQueueShareOutOfRange(uint256 bps, uint256 maxBps);
    error SlashingQueueUnknownSlash(uint256 slashId);
    error SlashingQueueSlashNotPending(uint256 slashId, SlashStatus status);
    error SlashingQueueVetoWindowClosed(uint256 slashId, uint256 executableAt);
    error SlashingQueueVetoWindowOpen(uint256 slashId, uint256 executableAt);
    error SlashingQueueSlashExpired(uint256 slashId, uint256 expiresAt);
    error SlashingQueueNothingToSlash(uint256 slashId, uint256 sequencerId);
    error SlashingQueueTermOutOfBounds(Term term, uint256 value, uint256 min, uint256 max);
    error SlashingQueueUnknownClaim(uint256 claimId);
    error SlashingQueueSlashNotExecuted(uint256 slashId, SlashStatus status);
    error SlashingQueueClaimWindowClosed(uint256 slashId, uint256 closedAt);
    error SlashingQueueWrongSequencer(uint256 slashId, uint256 sequencerId, uint256 named);
    error SlashingQueueAlreadyClaimed(uint256 slashId, address claimant, uint256 claimId);
    error SlashingQueueClaimByOffender(uint256 slashId, address claimant);
    error SlashingQueueClaimNotFiled(uint256 claimId, ClaimStatus status);
    error SlashingQueueClaimNotApproved(uint256 claimId, ClaimStatus status);
    error SlashingQueueApprovalTooLarge(uint256 claimId, uint256 amount, uint256 max);
    error SlashingQueueNotClaimant(uint256 claimId, address caller);

    /**
     * @notice Queues a slash of `amount` wei of `sequencerId`'s pool (bonded and unbonding, pro rata).
     * @param sequencerId The sequencer to slash.
     * @param amount Wei to take (at execution, at most what the pool holds then, and, if the pool shrank since the
     * queue, at most the same share of it: `amount × pool now / pool when queued`, so the stake still in the pool
     * never pays for stake withdrawn meanwhile, such as an operator's exit released before the execution).
     * @param reason A hash of the off-chain evidence.
     * @return slashId The id of the queued slash.
     * @dev `PROPOSER_ROLE`. Executable from `now + vetoWindow` until `vetoWindow + executionWindow` later.
     */
    function queueSlash(uint256 sequencerId, uint256 amount, bytes32 reason) external returns (uint256 slashId);

    /**
     * @notice Queues a slash of `bps` basis points of `sequencerId`'s pool as it stands at execution.
     * @param sequencerId The sequencer to slash.
     * @param bps The share of the pool to take (1 – 10,000).
     * @param reason A hash of the off-chain evidence.
     * @return slashId The id of the queued slash.
     * @dev `PROPOSER_ROLE`.
     */
    function queueSlashShare(uint256 sequencerId, uint256 bps, bytes32 reason) external returns (uint256 slashId);

    /**
     * @notice Vetoes a pending slash before its veto window ends: it takes nothing and can never be executed.
     * @param slashId The slash to veto.
     * @dev `VETOER_ROLE`.
     */
    function veto(uint256 slashId) external;

    /**
     * @notice Executes a pending slash whose veto window has ended and whose execution window has not: the registry
     * takes the amount (capped at what the pool holds) or the share into its insurance fund. Anyone may call.
     * @param slashId The slash to execute.
     * @return taken The wei taken.
     * @dev Reverts with `SlashingQueueNothingToSlash` when the pool is empty (the slash stays pending until it lapses).
     */
    function execute(uint256 slashId) external returns (uint256 taken);

    /**
     * @notice Suspends a sequencer at once (the registry's `suspendSequencer`): no funds move, governance reinstates.
     * @param sequencerId The sequencer to suspend.
     * @dev `PROPOSER_ROLE`.
     */
    function suspend(uint256 sequencerId) external;

    /**
     * @notice Sets a governed term within its bounds.
     * @param term The term.
     * @param value Its new value (a veto window applies to slashes queued from now on).
     * @dev `GOVERNANCE_ROLE`.
     */
    function setTerm(Term term, uint256 value) external;

    /**
     * @notice Files a claim against the executed slash `slashId` of `sequencerId`, within the claim window after
     * its execution. One claim per claimant and slash; the slashed sequencer's operator cannot claim.
     * @param slashId The executed slash (the proven fault).
     * @param sequencerId The sequencer the claimant holds responsible (must be the slashed one).
     * @param requested Wei asked for (at most what the slash took).
     * @param evidenceHash A hash of the claimant's off-chain evidence of harm.
     * @return claimId The id of the claim.
     */
    function fileClaim(
        uint256 slashId,
        uint256 sequencerId,
        uint256 requested,
        bytes32 evidenceHash
    ) external returns (uint256 claimId);

    /**
     * @notice Approves a filed claim for `amount` wei: at most what was requested, at most `maxClaimBps` of the
     * insurance fund now, and at most what the slash took less what claims against it were approved for.
     * @param claimId The claim.
     * @param amount Wei approved.
     * @dev `GOVERNANCE_ROLE`.
     */
    function approveClaim(uint256 claimId, uint256 amount) external;

    /**
     * @notice Rejects a filed claim.
     * @param claimId The claim.
     * @dev `GOVERNANCE_ROLE`.
     */
    function rejectClaim(uint256 claimId) external;

    /**
     * @notice Collects an approved claim: the registry pays it from the insurance fund into the claimant's
     * withdrawable balance (pull: the claimant then calls the registry's `withdraw`).
     * @param claimId The claim.
     * @return amount The wei credited.
     * @dev Only the claimant. Reverts with the registry's `RegistryInsuranceInsufficient` if the fund is short now.
     */
    function collectClaim(uint256 claimId) external returns (uint256 amount);

    /// @notice A queued slash.
    /// @param slashId The slash.
    /// @return The slash (status `None` if there is none).
    function getSlash(uint256 slashId) external view returns (QueuedSlash memory);

    /// @notice A claim.
    /// @param claimId The claim.
    /// @return The claim (status `None` if there is none).
    function getClaim(uint256 claimId) external view returns (Claim memory);

    /// @notice The claim `claimant` filed against `slashId` (0 if none).
    /// @param slashId The slash.
    /// @param claimant The claimant.
    /// @return The claim's id.
    function claimOf(uint256 slashId, address claimant) external view returns (uint256);

    /// @notice The current value of a governed term.
    /// @param which The term.
    /// @return The value.
    function getTerm(Term which) external view returns (uint256);

    /// @notice How many slashes were ever queued (ids run from 1).
    /// @return The count.
    function slashCount() external view returns (uint256);

    /// @notice How many claims were ever filed (ids run from 1).
    /// @return The count.
    function claimCount() external view returns (uint256);

    /// @notice The registry the queue slashes through.
    /// @return The registry's address.
    function registry() external view returns (address);

    /// @notice The lens the queue reads pools with.
    /// @return The lens's address.
    function lens() external view returns (address);
}
