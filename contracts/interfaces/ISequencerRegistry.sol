// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ISequencerRegistry
 * @notice LP-504 core registry: staked sequencers (native coin), delegation by shares, exits with a delay,
 * the active set, time-based rotation, rewards and slashing.
 *
 * Adaptations from the LP-504 text (see docs/ADAPTATIONS.md):
 * - `rotationPeriod` is in seconds, not blocks (the spec's own test advances time; L2 block times vary).
 * - `slashingPercentage` is in basis points (10_000 = 100%).
 * - Added `getSequencer`, `getConfig`, `sequencerIdOf`, the delegation/withdrawal/reward functions, and
 *   the views a selection module or rollup prover needs. Nothing of the spec's interface is renamed.
 */
interface ISequencerRegistry {
    // ───────────────────────────────────────────── types ─────────────────────────────────────────────

    /// @dev `Inactive`: registered, own stake below `minStake`. `Active`: in the set. `Suspended`: out of the
    /// set after a slash-worthy event, reinstated by governance or by a top-up after the cooldown.
    /// `Ejected`: stake below the ejection floor or evicted by governance; can only exit. `Exiting`: after
    /// `initiateExit`, out of the set, still slashable until `completeExit`.
    enum SequencerStatus {
        Inactive,
        Active,
        Suspended,
        Ejected,
        Exiting
    }

    enum SelectionMode {
        RoundRobin,
        WeightedRandom,
        Auction,
        Performance,
        Hybrid
    }

    struct SequencerInfo {
        address operator;
        string endpoint; // P2P endpoint
        bytes publicKey; // for the encrypted mempool
        uint256 stake; // the operator's own stake (bonded plus exiting), in wei
        uint256 delegatedStake; // bonded stake delegated by others, in wei
        SequencerStatus status;
        uint256 activationBlock; // block at which the sequencer last became Active (0 if never)
        uint256 lastActiveBlock; // block at which it last started a turn as the active sequencer
        uint256 performanceScore; // basis points, set by the monitor role
        bytes metadata; // additional config
        uint16 region; // self-declared network region (0: untagged, counted as region 0); a claim, not a proof
        uint16 provider; // self-declared infrastructure provider (0: untagged); a claim, not a proof
    }

    struct RegistryConfig {
        uint256 minStake; // own stake needed to be Active, in wei
        uint256 maxSequencers; // size cap of the active set
        uint256 rotationPeriod; // seconds per turn
        uint256 exitDelay; // seconds between initiateExit/undelegate and withdrawal
        SelectionMode selectionMode;
        uint256 slashingPercentage; // basis points of the pool slashed by a proven equivocation
    }

    /// @notice Parameters beyond the spec's `RegistryConfig`, all set by governance within hard bounds.
    struct RegistryParameters {
        uint256 maxDelegationMultiplier; // delegated stake ≤ multiplier × operator's own stake
        uint256 minDelegation; // smallest delegation accepted, in wei
        uint256 ejectionStake; // own stake below which a slashed sequencer is ejected
        uint256 reporterRewardBps; // share of an equivocation slash paid to the reporter
        uint256 insuranceFeeBps; // share of every reward credited to the insurance fund (100 = 1%)
        uint256 maxCommissionBps; // cap on an operator's commission
        uint256 defaultCommissionBps; // commission of a newly registered sequencer
        uint256 suspensionCooldown; // seconds before a suspended sequencer can reinstate itself by top-up
        uint256 evidenceWindowSlots; // how many slots back equivocation evidence is accepted
        uint256 minActiveSequencers; // below this, getActiveSequencer() returns the L1 fallback
        uint256 activationBlock; // decentralized sequencing is on from this block
        address fallbackSequencer; // the L1 fallback sequencer
        uint256 scoreDecayRate; // performance score lost per day without a new score, in basis points
        uint256 regionCapBps; // largest share of Active weight a region may grow to (0: no cap)
    }

    /// @notice Governed parameters, for {setParameter} and {ParameterUpdated}.
    enum Parameter {
        MinStake,
        MaxSequencers,
        RotationPeriod,
        ExitDelay,
        SelectionMode,
        SlashingPercentage,
        MaxDelegationMultiplier,
        MinDelegation,
        EjectionStake,
        ReporterRewardBps,
        InsuranceFeeBps,
        MaxCommissionBps,
        DefaultCommissionBps,
        SuspensionCooldown,
        EvidenceWindowSlots,
        MinActiveSequencers,
        ActivationBlock,
        ScoreDecayRate,
        RegionCapBps
    }

    /// @notice A sequencer's delegation pool. Bonded stake is selectable and earns rewards; unbonding stake
    /// (queued undelegations and the operator's exit) earns nothing but stays slashable.
    struct PoolInfo {
        uint256 bondedStake;
        uint256 bondedShares;
        uint256 unbondingStake;
        uint256 unbondingShares;
        uint256 operatorShares;
        uint256 commissionBps;
    }

    /// @notice A queued undelegation (or the operator's exit), withdrawable after `releaseTime`.
    struct Unbonding {
        uint256 sequencerId;
        address owner;
        uint256 shares; // shares of the pool's unbonding part
        uint256 releaseTime;
    }

    // ───────────────────────────────────────────── events ────────────────────────────────────────────

    /// @notice A new sequencer was registered ({registerSequencer}).
    /// @param sequencerId Its id (from 1, never reused).
    /// @param operator Its operator: the account that registered it and staked.
    event SequencerRegistered(uint256 indexed sequencerId, address operator);
    /// @notice The turn passed to another operator: a rotation, a forced rotation, or the current sequencer leaving the
    /// set.
    /// @param oldSequencer Operator whose turn ended (address(0) if none held it).
    /// @param newSequencer Operator whose turn it is now (address(0) when the set is left empty).
    event SequencerRotated(address indexed oldSequencer, address indexed newSequencer);
    /// @notice Stake was slashed from a sequencer's pool (bonded and unbonding, pro rata).
    /// @param sequencerId The sequencer whose pool was slashed.
    /// @param amount Stake taken, in wei.
    event SequencerSlashed(uint256 indexed sequencerId, uint256 amount);
    /// @notice Stake was delegated to a sequencer's pool for shares ({delegateStake}).
    /// @param sequencerId The sequencer whose pool received the stake.
    /// @param delegator Account that delegated.
    /// @param amount Stake delegated, in wei.
    event StakeDelegated(uint256 indexed sequencerId, address delegator, uint256 amount);

    /// @notice What {SequencerRegistered} leaves out: the operator (indexed), its first deposit (`stake` wei, minted as
    /// as many bonded shares for the operator) and its descriptor as stored: a 4-byte header of the three lengths
    /// (bits 22..31 endpoint, 12..21 public key, 0..11 metadata), then the endpoint, public key and metadata, packed.
    /// @param sequencerId The new sequencer.
    /// @param operator Its operator.
    /// @param stake The first deposit, in wei.
    /// @param descriptor Endpoint, public key and metadata, packed behind the length header.
    event RegistrationDetails(uint256 indexed sequencerId, address indexed operator, uint256 stake, bytes descriptor);
    /// @notice `account` deposited `amount` into the pool's bonded part for `shares` new bonded shares (the shares of
    /// an operator's {StakeIncreased} or a delegator's {StakeDelegated}).
    /// @param sequencerId The pool's sequencer.
    /// @param account The operator or delegator.
    /// @param amount Wei deposited.
    /// @param shares Bonded shares minted.
    event Deposited(uint256 indexed sequencerId, address indexed account, uint256 amount, uint256 shares);
    /// @notice Sequencer `sequencerId` holds the turn from now, after `previousSequencerId` (0: none). Emitted at every
    /// hand-over (rotation, forced rotation, the active sequencer leaving the set) and when the first sequencer joins
    /// an empty set; {SequencerRotated} carries only the operators.
    /// @param sequencerId The new turn holder.
    /// @param previousSequencerId The previous turn holder (0: none).
    event TurnStarted(uint256 indexed sequencerId, uint256 indexed previousSequencerId);
    /// @notice An operator added to its own stake ({increaseStake}).
    /// @param sequencerId The operator's sequencer.
    /// @param amount Stake added, in wei.
    /// @param newOwnStake The operator's own stake afterwards, in wei.
    event StakeIncreased(uint256 indexed sequencerId, uint256 amount, uint256 newOwnStake);
    /// @notice A sequencer's status changed (activation, suspension, reinstatement, ejection, exit).
    /// @param sequencerId The sequencer whose status changed.
    /// @param previousStatus Status before.
    /// @param newStatus Status after.
    event SequencerStatusChanged(
        uint256 indexed sequencerId,
        SequencerStatus previousStatus,
        SequencerStatus newStatus
    );
    /// @notice `owner` moved `shares` of its bonded shares (worth `amount`) into the pool's unbonding part, as
    /// request `requestId` holding `unbondingShares` of that part, withdrawable from `releaseTime`: an undelegation
    /// or the operator's exit.
    /// @param requestId Id of the unbonding request, for {withdrawUnbonding}.
    /// @param sequencerId The sequencer whose pool the stake leaves.
    /// @param owner Account the stake will be credited to.
    /// @param amount Value of the queued shares at queuing, in wei (a later slash can lower it).
    /// @param releaseTime Unix time (seconds) from which the request can be withdrawn.
    /// @param shares Bonded shares burned.
    /// @param unbondingShares Shares of the pool's unbonding part the request holds.
    event UndelegationQueued(
        uint256 indexed requestId,
        uint256 indexed sequencerId,
        address indexed owner,
        uint256 amount,
        uint256 releaseTime,
        uint256 shares,
        uint256 unbondingShares
    );
    /// @notice A released unbonding request was credited to its owner's withdrawable balance.
    /// @param requestId The unbonding request.
    /// @param owner Account credited.
    /// @param amount Value credited, in wei.
    event UnbondingWithdrawn(uint256 indexed requestId, address indexed owner, uint256 amount);
    /// @notice An operator started its exit ({initiateExit}): the sequencer is `Exiting` and its own stake queued.
    /// @param sequencerId The exiting sequencer.
    /// @param requestId Unbonding request holding the operator's own stake.
    /// @param releaseTime Unix time (seconds) from which {completeExit} succeeds.
    event ExitInitiated(uint256 indexed sequencerId, uint256 indexed requestId, uint256 releaseTime);
    /// @notice An operator's exit completed ({completeExit}).
    /// @param sequencerId The sequencer that exited.
    /// @param amount Own stake credited to the operator's withdrawable balance, in wei.
    event ExitCompleted(uint256 indexed sequencerId, uint256 amount);
    /// @notice Fees were paid to a sequencer ({distributeRewards}) and split.
    /// @param sequencerId The sequencer paid.
    /// @param payer Account that paid.
    /// @param amount Total paid, in wei.
    /// @param toInsurance Part credited to the insurance fund, in wei.
    /// @param toCommission Part credited to the operator as commission, in wei.
    /// @param toPool Part shared by the pool's bonded shares, in wei.
    event RewardsDistributed(
        uint256 indexed sequencerId,
        address indexed payer,
        uint256 amount,
        uint256 toInsurance,
        uint256 toCommission,
        uint256 toPool
    );
    /// @notice Accrued pool rewards moved to an account's withdrawable balance.
    /// @param sequencerId The sequencer whose pool paid the rewards.
    /// @param account Account credited (a delegator or the operator).
    /// @param amount Rewards credited, in wei.
    event RewardsClaimed(uint256 indexed sequencerId, address indexed account, uint256 amount);
    /// @notice An account's withdrawable balance was sent to it ({withdraw}).
    /// @param account Recipient.
    /// @param amount Value sent, in wei.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice A sequencer's commission changed: a cut at once, or a queued increase that has taken effect.
    /// @param sequencerId The operator's sequencer.
    /// @param commissionBps Commission now in force, in basis points of each reward.
    event CommissionChanged(uint256 indexed sequencerId, uint256 commissionBps);
    /// @notice A sequencer's operator declared its network tags (in force at once).
    /// @param sequencerId The operator's sequencer.
    /// @param region Declared region (0: untagged).
    /// @param provider Declared infrastructure provider (0: untagged).
    event SequencerTagged(uint256 indexed sequencerId, uint16 region, uint16 provider);
    /// @notice A commission increase that applies from `effectiveAt` (`exitDelay` later: delegators can leave first).
    /// @param sequencerId The operator's sequencer.
    /// @param commissionBps Commission that will apply, in basis points.
    /// @param effectiveAt Unix time (seconds) from which it applies.
    event CommissionIncreaseQueued(uint256 indexed sequencerId, uint256 commissionBps, uint256 effectiveAt);
    /// @notice The monitor role set a sequencer's performance score ({updatePerformance}).
    /// @param sequencerId The sequencer scored.
    /// @param score New score, in basis points (≤ 10_000).
    event PerformanceUpdated(uint256 indexed sequencerId, uint256 score);
    /// @notice Evidence that is not an equivocation proof was recorded for governance ({reportMisbehavior}).
    /// @param sequencerId The accused sequencer.
    /// @param reporter Account that reported.
    /// @param evidenceHash keccak256 of the evidence bytes.
    event MisbehaviorReported(uint256 indexed sequencerId, address indexed reporter, bytes32 evidenceHash);
    /// @notice An equivocation proof was accepted: the sequencer is suspended and slashed.
    /// @param sequencerId The sequencer that equivocated.
    /// @param slot Registry slot in which it signed two different blocks.
    /// @param reporter Account that reported the proof.
    /// @param slashed Stake slashed from the pool, in wei.
    /// @param reporterReward Part credited to the reporter's withdrawable balance, in wei.
    event EquivocationProven(
        uint256 indexed sequencerId,
        uint256 indexed slot,
        address indexed reporter,
        uint256 slashed,
        uint256 reporterReward
    );
    /// @notice The successor for the next rotation was fixed ({selectNextSequencer}).
    /// @param sequencerId The sequencer that takes over at the next rotation.
    /// @param operator Its operator.
    /// @param rotationTime Unix time (seconds) from which the rotation to it can happen.
    event NextSequencerSelected(uint256 indexed sequencerId, address indexed operator, uint256 rotationTime);
    /// @notice The L1 fallback sequencer started or stopped holding the turn.
    /// @param active True while the fallback sequences (before `activationBlock` or below `minActiveSequencers`).
    /// @param fallbackSequencer The fallback sequencer's address.
    event FallbackModeChanged(bool active, address fallbackSequencer);
    /// @notice The insurer role paid from the insurance fund ({payInsurance}).
    /// @param to Account whose withdrawable balance was credited.
    /// @param amount Value paid, in wei.
    event InsurancePaid(address indexed to, uint256 amount);
    /// @notice Governance changed a parameter ({setParameter}).
    /// @param parameter The parameter.
    /// @param oldValue Value before, in the parameter's unit.
    /// @param newValue Value after, in the parameter's unit.
    event ParameterUpdated(Parameter indexed parameter, uint256 oldValue, uint256 newValue);
    /// @notice Governance set the L1 fallback sequencer ({setFallbackSequencer}).
    /// @param fallbackSequencer The new fallback sequencer.
    event FallbackSequencerUpdated(address indexed fallbackSequencer);
    /// @notice Governance set the selection module ({setSelectionModule}).
    /// @param module The new module (address(0): none).
    event SelectionModuleUpdated(address indexed module);
    /// @notice Value was added to the insurance fund ({fundInsurance}).
    /// @param from Account that paid.
    /// @param amount Value added, in wei.
    event InsuranceFunded(address indexed from, uint256 amount);
    /// @notice Protocol fees were paid ({depositFees}).
    /// @param payer Account that paid (the selection module for auction proceeds).
    /// @param beneficiary Account whose withdrawable balance was credited with the rest.
    /// @param amount Total paid, in wei.
    /// @param toInsurance Part credited to the insurance fund, in wei.
    event FeesDeposited(address indexed payer, address indexed beneficiary, uint256 amount, uint256 toInsurance);
    /// @notice Governance set the equivocation module ({setEquivocationModule}).
    /// @param module The new module.
    event EquivocationModuleUpdated(address indexed module);
    /// @notice Governance set the registration gate ({setRegistrationGate}).
    /// @param gate The new {IRegistrationGate} (address(0): registration open to anyone).
    event RegistrationGateUpdated(address indexed gate);

    // ───────────────────────────────────────────── errors ────────────────────────────────────────────

    error RegistryZeroStake();
    error RegistryOperatorAlreadyRegistered(address operator, uint256 sequencerId);
    error RegistryUnknownSequencer(uint256 sequencerId);
    error RegistryNotOperator(uint256 sequencerId, address caller);
    error RegistryActiveSetFull(uint256 maxSequencers);
    error RegistryInvalidStatus(uint256 sequencerId, SequencerStatus status);
    error RegistryDelegationTooSmall(uint256 amount, uint256 minDelegation);
    error RegistryDelegationCapExceeded(uint256 sequencerId, uint256 delegatedAfter, uint256 cap);
    /// @notice The change would raise `region`'s Active weight above `regionCapBps` of the total Active weight.
    error RegistryRegionCapExceeded(uint16 region, uint256 regionWeightAfter, uint256 totalWeightAfter);
    /// @notice The current sequencer and the announced successor cannot retag until their hand-over is done, and an
    /// Active sequencer changes region at most once per `exitDelay`.
    error RegistryTagsLocked(uint256 sequencerId);
    error RegistryPoolInsolvent(uint256 sequencerId);
    error RegistryInsufficientShares(uint256 requested, uint256 available);
    error RegistryZeroAmount();
    error RegistryUnknownUnbonding(uint256 requestId);
    error RegistryNotUnbondingOwner(uint256 requestId, address caller);
    error RegistryUnbondingNotReleased(uint256 requestId, uint256 releaseTime);
    error RegistryNoExitPending(uint256 sequencerId);
    error RegistryNothingToWithdraw(address account);
    error RegistryTransferFailed(address to, uint256 amount);
    error RegistryNoEligibleSequencer();
    error RegistryRotationNotDue(uint256 nextRotationTime);
    error RegistryScoreOutOfRange(uint256 score, uint256 maxScore);
    error RegistrySlashExceedsStake(uint256 sequencerId, uint256 amount, uint256 slashable);
    error RegistryInvalidEquivocationProof(uint256 sequencerId);
    error RegistryEvidenceExpired(uint256 slot, uint256 oldestAcceptedSlot);
    error RegistryEquivocationAlreadySlashed(uint256 sequencerId, uint256 slot);
    error RegistryEvidenceNotYetValid(uint256 slot, uint256 currentSlot);
    error RegistryEmptyEvidence();
    error RegistryNoRewardShares(uint256 sequencerId);
    error RegistryCommissionTooHigh(uint256 commissionBps, uint256 maxCommissionBps);
    error RegistrySuspensionCooldown(uint256 sequencerId, uint256 until);
    error RegistryParameterOutOfBounds(Parameter parameter, uint256 value, uint256 min, uint256 max);
    error RegistryOwnStakeBelowMinimum(uint256 sequencerId, uint256 ownStakeAfter, uint256 minStake);
    error RegistrySelectionModeUnavailable(SelectionMode mode);
    error RegistryInsuranceInsufficient(uint256 requested, uint256 available);
    error RegistryZeroAddress();
    error RegistryFieldTooLong(bytes32 field, uint256 length, uint256 maxLength);
    /// @notice Equivocation evidence for a slot outside the sequencer's last period in the Active set
    /// (`[dutyFromSlot, dutyEndSlot)`): it did not hold the duty it is accused of breaking.
    error RegistryEvidenceOutsideDuty(uint256 sequencerId, uint256 slot, uint256 dutyFromSlot, uint256 dutyEndSlot);
    /// @notice Equivocation evidence arrived while no equivocation module is wired.
    error RegistryNoEquivocationModule();
    /// @notice A share slash above 100% (`bps` > `maxBps`).
    error RegistrySlashShareTooHigh(uint256 bps, uint256 maxBps);
    /// @notice Only the selection module may open or close a stake snapshot.
    error RegistryNotSelectionModule(address caller);
    /// @notice The registration gate refused `operator` ({IRegistrationGate.isAllowed} returned false).
    error RegistryOperatorNotAllowed(address operator, address gate);
    /// @notice A registration gate must be a contract (or address(0) to remove it).
    error RegistryGateNotContract(address gate);

    // ──────────────────────────────────── registration and staking ───────────────────────────────────

    /**
     * @notice Registers `msg.sender` as the operator of a new sequencer staking `msg.value`.
     * @dev Ids start at 1 and are never reused. The sequencer is `Active` at once when `msg.value ≥ minStake`
     * and the active set has room, `Inactive` otherwise (a later `increaseStake` activates it).
     * Requirements: `msg.value > 0`; the caller operates no other live sequencer; with `msg.value ≥ minStake`
     * the set is not full; endpoint ≤ 256 bytes, public key ≤ 256 bytes, metadata ≤ 1024 bytes; if governance set
     * a registration gate, the gate allows the caller (else `RegistryOperatorNotAllowed`).
     * @param endpoint The sequencer's P2P endpoint (≤ 256 bytes).
     * @param publicKey Its public key for the encrypted mempool (≤ 256 bytes).
     * @param metadata Free-form configuration (≤ 1024 bytes).
     * @return sequencerId The new sequencer's id.
     */
    function registerSequencer(
        string calldata endpoint,
        bytes calldata publicKey,
        bytes calldata metadata
    ) external payable returns (uint256 sequencerId);

    /**
     * @notice Adds `msg.value` to the operator's own stake. Activates an `Inactive` sequencer once its own
     * stake reaches `minStake`, and reinstates a `Suspended` one after its cooldown.
     * Requirements: caller is the operator; status is not `Ejected` or `Exiting`.
     * @param sequencerId The caller's sequencer.
     */
    function increaseStake(uint256 sequencerId) external payable;

    /**
     * @notice Delegates `msg.value` to an `Active` sequencer's pool for pool shares.
     * Requirements: `msg.value ≥ minDelegation`; delegated stake stays within the operator's cap.
     * @param sequencerId The sequencer whose pool receives the stake.
     */
    function delegateStake(uint256 sequencerId) external payable;

    /**
     * @notice Queues the undelegation of `shares` of the caller's bonded shares; returns the request id.
     * The stake stops earning at once and stays slashable until `withdrawUnbonding` after `exitDelay`.
     * @param sequencerId The sequencer whose pool the shares are in.
     * @param shares Bonded shares to undelegate (an operator keeps at least `minStake` while it is Active).
     * @return requestId The unbonding request, for {withdrawUnbonding} once released.
     */
    function undelegate(uint256 sequencerId, uint256 shares) external returns (uint256 requestId);

    /// @notice Credits the value of a released unbonding request to its owner's withdrawable balance.
    /// @param requestId The caller's unbonding request; reverts before its release time.
    /// @return amount Value credited, in wei (less if the pool was slashed meanwhile).
    function withdrawUnbonding(uint256 requestId) external returns (uint256 amount);

    /// @notice Takes the sequencer out of the set (status `Exiting`) and queues the operator's own stake.
    /// @param sequencerId The caller's sequencer (any status but `Exiting`).
    function initiateExit(uint256 sequencerId) external;

    /// @notice After `exitDelay`, credits the operator's remaining own stake to its withdrawable balance.
    /// @param sequencerId The caller's sequencer, whose exit is pending and released.
    function completeExit(uint256 sequencerId) external;

    /// @notice Sends the caller its whole withdrawable balance (exits, undelegations, rewards, reporter fees).
    /// @return amount Value sent to the caller, in wei.
    function withdraw() external returns (uint256 amount);

    // ─────────────────────────────────────────── rewards ─────────────────────────────────────────────

    /// @notice Pays `msg.value` in fees to a sequencer: the insurance fee, then the commission, then the pool.
    /// @param sequencerId The sequencer paid; its pool must have bonded shares.
    function distributeRewards(uint256 sequencerId) external payable;

    /// @notice Moves the caller's accrued pool rewards to its withdrawable balance.
    /// @param sequencerId The sequencer whose pool the caller holds shares of.
    /// @return amount Rewards credited, in wei.
    function claimRewards(uint256 sequencerId) external returns (uint256 amount);

    /// @notice Sets the operator's commission, at most `maxCommissionBps`. A cut applies at once (and cancels a
    /// pending increase); an increase applies `exitDelay` later ({CommissionIncreaseQueued}), so delegators can
    /// leave before it, and no payment seen in the mempool can be sandwiched by a raise.
    /// @param sequencerId The caller's sequencer.
    /// @param commissionBps New commission, in basis points of each reward (≤ `maxCommissionBps`).
    function setCommission(uint256 sequencerId, uint256 commissionBps) external;

    /// @notice Declares the operator's network region and infrastructure provider, in force at once. They are the
    /// operator's claims (like its descriptor), not proofs. An Active sequencer's stake moves to the new region,
    /// which must stay within `regionCapBps` ({RegistryRegionCapExceeded}); the current sequencer and the announced
    /// successor cannot retag ({RegistryTagsLocked}), so the region rule judged at the announcement still holds. An
    /// Active sequencer changes region at most once per `exitDelay` ({RegistryTagsLocked}): each move relinks it in the
    /// rotation list, and moves at will would let it cut in right after the current sequencer every other turn.
    /// @param sequencerId The caller's sequencer.
    /// @param region Declared region (0: untagged, counted as region 0 by the cap and the rotation rule).
    /// @param provider Declared infrastructure provider (0: untagged; informational).
    function setTags(uint256 sequencerId, uint16 region, uint16 provider) external;

    // ───────────────────────────────────── selection and rotation ────────────────────────────────────

    /**
     * @notice Fixes (once per turn) and returns the operator who takes over at the next rotation, chosen by
     * the configured selection mode. Calling again before the rotation returns the same sequencer.
     * @return The operator who takes over at the next rotation.
     */
    function selectNextSequencer() external returns (address);

    /**
     * @notice Hands the turn to the next sequencer. Permissionless once `rotationPeriod` has passed since the
     * last rotation. Always picks a different sequencer when one other than the current is eligible.
     */
    function rotateSequencer() external;

    /// @notice Monitor role: hands the turn over at once, before `rotationPeriod` (liveness failure: a missed
    /// slot, no block within the timeout, or a proven censorship).
    function forceRotation() external;

    /// @notice The sequencer whose turn it is, or the L1 fallback before activation or below the minimum set.
    /// @return The operator (or fallback) that holds the turn now.
    function getActiveSequencer() external view returns (address);

    /// @notice Operators of the active set, in rotation order.
    /// @return Operator addresses of the Active sequencers.
    function getSequencerSet() external view returns (address[] memory);

    // ──────────────────────────────────── performance and slashing ───────────────────────────────────

    /// @notice Monitor role: sets the performance score (basis points, ≤ 10_000).
    /// @param sequencerId The sequencer scored (a registered id).
    /// @param score New score, in basis points (≤ 10_000).
    function updatePerformance(uint256 sequencerId, uint256 score) external;

    /**
     * @notice Reports misbehavior. Evidence that is exactly the ABI encoding of
     * `(uint256 slot, bytes32 blockHashA, bytes sigA, bytes32 blockHashB, bytes sigB)` with 65-byte
     * signatures is an equivocation proof, judged by the {equivocationModule}: two EIP-712 `BlockCommitment`s
     * signed by the operator for the same slot with different block hashes, for a slot that has started, is
     * within the evidence window, lies in the sequencer's last period in the Active set (its duty), and is not
     * covered by an earlier punishment (one punishment covers every slot up to the one it was reported in).
     * A valid proof suspends the sequencer (it leaves the set, the rotation list and both selection trees at
     * once), slashes `slashingPercentage` of the pool (bonded and unbonding, pro rata) and credits the reporter's
     * withdrawable balance with `reporterRewardBps` of what the slash took from the operator's own stake (not of
     * its delegators'; the rest goes to insurance). Any other evidence is only recorded (event) for governance.
     * @param sequencerId The accused sequencer.
     * @param evidence The evidence bytes (an equivocation proof, or anything for the record; not empty).
     */
    function reportMisbehavior(uint256 sequencerId, bytes calldata evidence) external;

    /// @notice Slasher role: slashes `amount` from the pool (bonded and unbonding, pro rata) to insurance.
    /// @param sequencerId The sequencer whose pool is slashed.
    /// @param amount Stake to take, in wei (≤ the pool's bonded plus unbonding stake).
    function slash(uint256 sequencerId, uint256 amount) external;

    /// @notice Slasher role: slashes `bps` basis points of the whole pool (bonded and unbonding) to insurance, and
    /// returns the amount (0 when it rounds to nothing: then nothing changes). The seam for penalties defined as
    /// a share of the stake (the monitor's SLA and censorship penalties, the scheduler's deadline penalty).
    /// @param sequencerId The sequencer whose pool is slashed.
    /// @param bps Share of the pool to take, in basis points (≤ 10_000).
    /// @return amount Stake taken, in wei.
    function slashShare(uint256 sequencerId, uint256 bps) external returns (uint256 amount);

    // ─────────────────────────────────────────── governance ──────────────────────────────────────────

    /// @notice Governance role: sets a parameter within its hard bounds (see the implementation's table).
    /// @param parameter The parameter to set.
    /// @param value Its new value, in the parameter's unit (wei, seconds, basis points, slots, a count or a block).
    function setParameter(Parameter parameter, uint256 value) external;

    /// @notice Governance role: sets the L1 fallback sequencer returned while decentralized sequencing is off.
    /// @param fallbackSequencer The L1 fallback sequencer's address.
    function setFallbackSequencer(address fallbackSequencer) external;

    /// @notice Slasher role: takes an Active or Inactive sequencer out of the set (SLA breach, evidence).
    /// @param sequencerId The sequencer to suspend (Active or Inactive).
    function suspendSequencer(uint256 sequencerId) external;

    /// @notice Governance role: returns a Suspended sequencer to Active (or Inactive below `minStake`).
    /// @param sequencerId The Suspended sequencer to reinstate.
    function reinstateSequencer(uint256 sequencerId) external;

    /// @notice Governance role: evicts a sequencer (status `Ejected`); it can only exit afterwards.
    /// @param sequencerId The sequencer to eject (any status but `Ejected` or `Exiting`).
    function ejectSequencer(uint256 sequencerId) external;

    /// @notice Governance role: sets the selection module used by every mode but round-robin (0 to remove it,
    /// only while the mode is round-robin).
    /// @param module The {ISelectionModule} (address(0): none).
    function setSelectionModule(address module) external;

    /// @notice Governance role: sets the module that judges equivocation evidence ({IEquivocationModule}).
    /// @param module The {IEquivocationModule}.
    function setEquivocationModule(address module) external;

    /// @notice Governance role: sets the identity check consulted by {registerSequencer} (address(0), the default:
    /// none). Setting never calls the gate, so a gate that reverts cannot stop governance from replacing it.
    /// @param gate The {IRegistrationGate}, a contract, or address(0) to open registration to anyone.
    function setRegistrationGate(address gate) external;

    /// @notice Anyone adds `msg.value` to the insurance fund (donations).
    function fundInsurance() external payable;

    /// @notice Pays `msg.value` in protocol fees (the selection module's auction proceeds) under the same rule as
    /// `distributeRewards`: the insurance fee to the fund, the rest to `beneficiary`'s withdrawable balance.
    /// @param beneficiary Account credited with the fees after the insurance fee (not address(0)).
    function depositFees(address beneficiary) external payable;

    /// @notice Insurer role (id `bytes32(uint256(1))`, held by the claims contract): pays `amount` from the
    /// insurance fund to `to`'s withdrawable balance.
    /// @param to Account whose withdrawable balance is credited (not address(0)).
    /// @param amount Value to pay, in wei (≤ the fund).
    function payInsurance(address to, uint256 amount) external;

    // ─────────────────────────────────────────── views ───────────────────────────────────────────────

    /// @notice A sequencer's record; reverts with `RegistryUnknownSequencer` for an unknown id.
    /// @param sequencerId A registered sequencer.
    /// @return The record: operator, endpoint, public key, own and delegated stake (wei), status, blocks, score (bp),
    /// declared region and provider.
    function getSequencer(uint256 sequencerId) external view returns (SequencerInfo memory);

    /// @notice The spec's configuration: minimum stake, set size, rotation period, exit delay, mode, slash share.
    /// @return The configuration in force (units as in {RegistryConfig}).
    function getConfig() external view returns (RegistryConfig memory);

    /// @notice The parameters beyond the spec's configuration (delegation, ejection, fees, windows, fallback).
    /// @return The parameters in force (units as in {RegistryParameters}).
    function getParameters() external view returns (RegistryParameters memory);

    /// @notice Id of the live sequencer operated by `operator`, 0 if none.
    /// @param operator An operator address.
    /// @return The sequencer id, or 0.
    function sequencerIdOf(address operator) external view returns (uint256);

    /// @notice Value `account` can take with {withdraw}: exits, unbondings, claimed rewards, reporter rewards, fees.
    /// @param account The account.
    /// @return Its withdrawable balance, in wei.
    function withdrawableBalance(address account) external view returns (uint256);

    /// @notice The insurance fund: insurance fees, slashes and forfeits, less payouts.
    /// @return The fund's balance, in wei.
    function insuranceFund() external view returns (uint256);

    /// @notice Whether `operator` runs an Active sequencer. Stored as the lowest bit of `mapping(address =>
    /// uint256)` at slot 0 (the rest of the word is `sequencerId << 1`), so a rollup prover reads it at
    /// `keccak256(abi.encode(operator, uint256(0)))` with a storage proof.
    /// @param operator An operator address.
    /// @return True if it operates a sequencer in the Active set.
    function isActiveSequencer(address operator) external view returns (bool);

    /// @notice Size of the Active set.
    /// @return Number of Active sequencers.
    function activeSequencerCount() external view returns (uint256);

    /// @notice The sequencer whose turn it is in the rotation (also while the fallback sequences).
    /// @return Its id, 0 if no turn was ever handed out.
    function currentSequencerId() external view returns (uint256);

    /// @notice The sequencer whose turn a rotation draw made now would end: the successor already designated by
    /// {selectNextSequencer} (still Active), else the current sequencer. The selection module keys its draws by it,
    /// so a draw fulfilled after an early designation serves the designated sequencer's turn, not a turn already decided.
    /// @return Its id, 0 if no turn was ever handed out.
    function drawTurnId() external view returns (uint256);

    /// @notice When the current turn started.
    /// @return Unix time in seconds of the last hand-over.
    function lastRotationTime() external view returns (uint256);

    /// @notice Sequencers ever registered (the highest id).
    /// @return The count, exited and ejected ones included.
    function totalSequencers() external view returns (uint256);

    /**
     * @notice A stake-weighted draw: the sequencer whose range of the stake index contains a point derived from
     * `seed`, each sequencer other than `excludedId` (0: none) drawn with probability weight / (total − weight of
     * `excludedId`); 0 if no other sequencer has weight. While the selection module holds a stake snapshot open
     * ({openStakeSnapshot}), the draw reads the weights frozen at its opening, not the current ones.
     * @param seed Randomness the draw point is derived from.
     * @param excludedId Sequencer left out of the draw (0: none).
     * @return sequencerId The sequencer drawn, or 0.
     */
    function drawByStake(uint256 seed, uint256 excludedId) external view returns (uint256 sequencerId);

    /// @notice Selection module only: freezes the stake weights {drawByStake} reads until {closeStakeSnapshot}.
    /// The module opens it in the transaction that requests randomness, so a draw's weights are fixed before its
    /// randomness exists.
    function openStakeSnapshot() external;

    /// @notice Selection module only: ends the stake snapshot; draws read current weights again.
    function closeStakeSnapshot() external;

    /// @notice The Active sequencer after `sequencerId` in rotation order (the first one if `sequencerId` is
    /// not in the rotation list), 0 if the set is empty.
    /// @param sequencerId The sequencer to start from (0: the first in rotation order).
    /// @return The next Active sequencer's id, or 0.
    function nextActiveSequencer(uint256 sequencerId) external view returns (uint256);

    /// @notice The sequencer with the highest decayed performance score in the performance index other than
    /// `excludedId` (ties: the lower id), with that score; (0, 0) if there is none. Only Active sequencers with a
    /// non-zero score are in the index.
    /// @param excludedId Sequencer left out (0: none).
    /// @return sequencerId The best performer's id, or 0.
    /// @return score Its decayed score, in basis points.
    function bestPerformer(uint256 excludedId) external view returns (uint256 sequencerId, uint256 score);

    /// @notice A sequencer's performance score (its reputation, basis points) after linear decay at
    /// `scoreDecayRate` bp per day since the monitor last set it.
    /// @param sequencerId A registered sequencer (else `RegistryUnknownSequencer`).
    /// @return The decayed score, in basis points (0 to 10_000).
    function performanceOf(uint256 sequencerId) external view returns (uint256);

    /// @notice The operator of a sequencer (address(0) for an unknown id).
    /// @param sequencerId Any sequencer id.
    /// @return The operator's address.
    function operatorOf(uint256 sequencerId) external view returns (address);

    /// @notice The selection module (0 if none).
    /// @return The selection module's address.
    function selectionModule() external view returns (address);

    /// @notice The equivocation module (0 if none).
    /// @return The equivocation module's address.
    function equivocationModule() external view returns (address);

    /// @notice The registration gate (0 if none: anyone may register).
    /// @return The {IRegistrationGate}'s address.
    function registrationGate() external view returns (address);

    /// @notice The word at storage slot `slot` (the `extsload` pattern): the door through which {RegistryLens} and
    /// indexers read the records whose slots the compiler's storage layout gives.
    /// @param slot The storage slot.
    /// @return value The 32-byte word stored there.
    function extsload(bytes32 slot) external view returns (bytes32 value);

    /// @notice Start of slot 0 of the registry's slot clock.
    /// @return Unix time in seconds (fixed at deployment).
    function GENESIS_TIME() external view returns (uint256);

    /// @notice Seconds per slot of the registry's slot clock.
    /// @return Seconds (fixed at deployment).
    function SLOT_DURATION() external view returns (uint256);

    /// @notice The registry's slot clock used by block commitments: `(timestamp - genesis) / slotDuration`.
    /// @return The current slot number.
    function currentSlot() external view returns (uint256);

    /// @notice Whether `getActiveSequencer()` returns the L1 fallback now (before `activationBlock`, or with
    /// fewer than `minActiveSequencers` Active): no sequencer holds the duty to sequence then.
    /// @return True while the L1 fallback holds the turn.
    function isFallbackMode() external view returns (bool);

    /// @notice Earliest time at which `rotateSequencer()` succeeds.
    /// @return Unix time in seconds: the last rotation plus `rotationPeriod`.
    function nextRotationTime() external view returns (uint256);
}
