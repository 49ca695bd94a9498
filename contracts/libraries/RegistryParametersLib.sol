// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";

/**
 * @title RegistryParametersLib
 * @notice The registry's governed parameters: packed storage, hard bounds, validation and views.
 * @dev Deployed separately and linked (its functions are `public`) only to keep {SequencerRegistry} under the
 * 24 KiB contract size limit; it runs in the registry's context via DELEGATECALL, so its events and errors
 * come from the registry. None of it is on a hot path: hot paths read the packed struct directly.
 */
library RegistryParametersLib {
    using Math for uint256;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant MIN_STAKE_FLOOR = 1 ether;
    uint256 internal constant MIN_STAKE_CEILING = 1e9 ether;
    uint256 internal constant MAX_SEQUENCERS_LIMIT = 100_000;
    uint256 internal constant MIN_ROTATION_PERIOD = 12;
    uint256 internal constant MAX_ROTATION_PERIOD = 30 days;
    uint256 internal constant MIN_EXIT_DELAY = 1 days;
    uint256 internal constant MAX_EXIT_DELAY = 365 days;
    uint256 internal constant MAX_DELEGATION_MULTIPLIER = 100;
    uint256 internal constant MAX_REPORTER_REWARD_BPS = 5_000;
    uint256 internal constant MAX_INSURANCE_FEE_BPS = 1_000;
    uint256 internal constant MAX_SUSPENSION_COOLDOWN = 365 days;

    struct Params {
        uint128 minStake;
        uint128 ejectionStake;
        uint128 minDelegation;
        uint32 maxSequencers;
        uint32 rotationPeriod;
        uint32 exitDelay;
        ISequencerRegistry.SelectionMode selectionMode;
        uint16 scoreDecayRate;
        // One slot from here: everything an equivocation proof reads (slashing, reporter reward, evidence
        // window, and the activation fields of the fallback check).
        uint16 slashingBps;
        uint16 reporterRewardBps;
        uint16 insuranceFeeBps;
        uint16 maxCommissionBps;
        uint16 defaultCommissionBps;
        uint16 maxDelegationMultiplier;
        uint32 suspensionCooldown;
        uint32 evidenceWindowSlots;
        uint32 minActiveSequencers;
        uint64 activationBlock;
        address fallbackSequencer;
        // Packs into the fallback sequencer's slot: no later slot moves.
        uint16 regionCapBps;
    }

    /**
     * @notice Validates and stores the deployment parameters. Each parameter is checked against those set
     * before it, so the order below satisfies the cross-parameter bounds; the provisional values only open
     * the bounds they feed and are all overwritten.
     */
    function initialize(
        Params storage p,
        ISequencerRegistry.RegistryConfig memory c,
        ISequencerRegistry.RegistryParameters memory q,
        uint256 slotDuration
    ) public {
        p.maxSequencers = uint32(MAX_SEQUENCERS_LIMIT);
        p.exitDelay = uint32(MAX_EXIT_DELAY);
        p.minStake = uint128(MIN_STAKE_CEILING);
        p.maxCommissionBps = uint16(BPS);
        setParameter(p, ISequencerRegistry.Parameter.EjectionStake, q.ejectionStake, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.MinStake, c.minStake, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.MinActiveSequencers, q.minActiveSequencers, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.MaxSequencers, c.maxSequencers, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.EvidenceWindowSlots, q.evidenceWindowSlots, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.ExitDelay, c.exitDelay, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.RotationPeriod, c.rotationPeriod, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.SelectionMode, uint256(c.selectionMode), slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.SlashingPercentage, c.slashingPercentage, slotDuration, false);
        setParameter(
            p,
            ISequencerRegistry.Parameter.MaxDelegationMultiplier,
            q.maxDelegationMultiplier,
            slotDuration,
            false
        );
        setParameter(p, ISequencerRegistry.Parameter.MinDelegation, q.minDelegation, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.ReporterRewardBps, q.reporterRewardBps, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.InsuranceFeeBps, q.insuranceFeeBps, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.DefaultCommissionBps, q.defaultCommissionBps, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.MaxCommissionBps, q.maxCommissionBps, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.SuspensionCooldown, q.suspensionCooldown, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.ActivationBlock, q.activationBlock, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.ScoreDecayRate, q.scoreDecayRate, slotDuration, false);
        setParameter(p, ISequencerRegistry.Parameter.RegionCapBps, q.regionCapBps, slotDuration, false);
        setFallbackSequencer(p, q.fallbackSequencer);
    }

    function config(Params storage p) public view returns (ISequencerRegistry.RegistryConfig memory) {
        return
            ISequencerRegistry.RegistryConfig({
                minStake: p.minStake,
                maxSequencers: p.maxSequencers,
                rotationPeriod: p.rotationPeriod,
                exitDelay: p.exitDelay,
                selectionMode: p.selectionMode,
                slashingPercentage: p.slashingBps
            });
    }

    function parameters(Params storage p) public view returns (ISequencerRegistry.RegistryParameters memory) {
        return
            ISequencerRegistry.RegistryParameters({
                maxDelegationMultiplier: p.maxDelegationMultiplier,
                minDelegation: p.minDelegation,
                ejectionStake: p.ejectionStake,
                reporterRewardBps: p.reporterRewardBps,
                insuranceFeeBps: p.insuranceFeeBps,
                maxCommissionBps: p.maxCommissionBps,
                defaultCommissionBps: p.defaultCommissionBps,
                suspensionCooldown: p.suspensionCooldown,
                evidenceWindowSlots: p.evidenceWindowSlots,
                minActiveSequencers: p.minActiveSequencers,
                activationBlock: p.activationBlock,
                fallbackSequencer: p.fallbackSequencer,
                scoreDecayRate: p.scoreDecayRate,
                regionCapBps: p.regionCapBps
            });
    }

    /**
     * @dev Hard bounds (inclusive):
     * | parameter               | min                     | max                              |
     * | MinStake                | 1 ether, ≥ ejectionStake | 1e9 ether                        |
     * | MaxSequencers           | max(1, minActive)       | 100,000                          |
     * | RotationPeriod          | 12 s                    | 30 days                          |
     * | ExitDelay               | 1 day, > evidence window | 365 days                        |
     * | SelectionMode           | RoundRobin              | Hybrid (all but RoundRobin need a module) |
     * | SlashingPercentage      | 1 bp                    | 10,000 bp                        |
     * | MaxDelegationMultiplier | 0                       | 100                              |
     * | MinDelegation           | 1 wei                   | 1e9 ether                        |
     * | EjectionStake           | 0                       | minStake                         |
     * | ReporterRewardBps       | 0                       | 5,000 (reward < slash)           |
     * | InsuranceFeeBps         | 0                       | 1,000                            |
     * | MaxCommissionBps        | defaultCommission       | 10,000                           |
     * | DefaultCommissionBps    | 0                       | maxCommission                    |
     * | SuspensionCooldown      | 0                       | 365 days                         |
     * | EvidenceWindowSlots     | 1                       | window × slot < exitDelay        |
     * | MinActiveSequencers     | 1                       | maxSequencers                    |
     * | ActivationBlock         | 0                       | 2^64 − 1                         |
     * | ScoreDecayRate          | 0                       | 10,000 bp per day                |
     * | RegionCapBps            | 0 (no cap)              | 10,000 bp of Active weight       |
     */
    // One bounds table as one function reads best: a branch per parameter.
    // solhint-disable-next-line function-max-lines
    function setParameter(
        Params storage p,
        ISequencerRegistry.Parameter parameter,
        uint256 value,
        uint256 slotDuration,
        bool hasSelectionModule
    ) public {
        uint256 old;
        uint256 lo;
        uint256 hi;
        if (parameter == ISequencerRegistry.Parameter.MinStake) {
            (old, lo, hi) = (p.minStake, Math.max(MIN_STAKE_FLOOR, p.ejectionStake), MIN_STAKE_CEILING);
            _bound(parameter, value, lo, hi);
            p.minStake = uint128(value);
        } else if (parameter == ISequencerRegistry.Parameter.MaxSequencers) {
            (old, lo, hi) = (p.maxSequencers, Math.max(1, p.minActiveSequencers), MAX_SEQUENCERS_LIMIT);
            _bound(parameter, value, lo, hi);
            p.maxSequencers = uint32(value);
        } else if (parameter == ISequencerRegistry.Parameter.RotationPeriod) {
            (old, lo, hi) = (p.rotationPeriod, MIN_ROTATION_PERIOD, MAX_ROTATION_PERIOD);
            _bound(parameter, value, lo, hi);
            p.rotationPeriod = uint32(value);
        } else if (parameter == ISequencerRegistry.Parameter.ExitDelay) {
            lo = Math.max(MIN_EXIT_DELAY, uint256(p.evidenceWindowSlots) * slotDuration + 1);
            (old, hi) = (p.exitDelay, MAX_EXIT_DELAY);
            _bound(parameter, value, lo, hi);
            p.exitDelay = uint32(value);
        } else if (parameter == ISequencerRegistry.Parameter.SelectionMode) {
            old = uint256(p.selectionMode);
            _bound(parameter, value, 0, uint256(ISequencerRegistry.SelectionMode.Hybrid));
            if (value != uint256(ISequencerRegistry.SelectionMode.RoundRobin) && !hasSelectionModule) {
                revert ISequencerRegistry.RegistrySelectionModeUnavailable(ISequencerRegistry.SelectionMode(value));
            }
            p.selectionMode = ISequencerRegistry.SelectionMode(value);
        } else if (parameter == ISequencerRegistry.Parameter.SlashingPercentage) {
            (old, lo, hi) = (p.slashingBps, 1, BPS);
            _bound(parameter, value, lo, hi);
            p.slashingBps = uint16(value);
        } else if (parameter == ISequencerRegistry.Parameter.MaxDelegationMultiplier) {
            (old, lo, hi) = (p.maxDelegationMultiplier, 0, MAX_DELEGATION_MULTIPLIER);
            _bound(parameter, value, lo, hi);
            p.maxDelegationMultiplier = uint16(value);
        } else if (parameter == ISequencerRegistry.Parameter.MinDelegation) {
            (old, lo, hi) = (p.minDelegation, 1, MIN_STAKE_CEILING);
            _bound(parameter, value, lo, hi);
            p.minDelegation = uint128(value);
        } else if (parameter == ISequencerRegistry.Parameter.EjectionStake) {
            (old, lo, hi) = (p.ejectionStake, 0, p.minStake);
            _bound(parameter, value, lo, hi);
            p.ejectionStake = uint128(value);
        } else if (parameter == ISequencerRegistry.Parameter.ReporterRewardBps) {
            (old, lo, hi) = (p.reporterRewardBps, 0, MAX_REPORTER_REWARD_BPS);
            _bound(parameter, value, lo, hi);
            p.reporterRewardBps = uint16(value);
        } else if (parameter == ISequencerRegistry.Parameter.InsuranceFeeBps) {
            (old, lo, hi) = (p.insuranceFeeBps, 0, MAX_INSURANCE_FEE_BPS);
            _bound(parameter, value, lo, hi);
            p.insuranceFeeBps = uint16(value);
        } else if (parameter == ISequencerRegistry.Parameter.MaxCommissionBps) {
            (old, lo, hi) = (p.maxCommissionBps, p.defaultCommissionBps, BPS);
            _bound(parameter, value, lo, hi);
            p.maxCommissionBps = uint16(value);
        } else if (parameter == ISequencerRegistry.Parameter.DefaultCommissionBps) {
            (old, lo, hi) = (p.defaultCommissionBps, 0, p.maxCommissionBps);
            _bound(parameter, value, lo, hi);
            p.defaultCommissionBps = uint16(value);
        } else if (parameter == ISequencerRegistry.Parameter.SuspensionCooldown) {
            (old, lo, hi) = (p.suspensionCooldown, 0, MAX_SUSPENSION_COOLDOWN);
            _bound(parameter, value, lo, hi);
            p.suspensionCooldown = uint32(value);
        } else if (parameter == ISequencerRegistry.Parameter.EvidenceWindowSlots) {
            // The window must close before a sequencer that equivocated can withdraw its stake.
            (old, lo, hi) = (p.evidenceWindowSlots, 1, (uint256(p.exitDelay) - 1) / slotDuration);
            _bound(parameter, value, lo, hi);
            p.evidenceWindowSlots = uint32(value);
        } else if (parameter == ISequencerRegistry.Parameter.MinActiveSequencers) {
            (old, lo, hi) = (p.minActiveSequencers, 1, p.maxSequencers);
            _bound(parameter, value, lo, hi);
            p.minActiveSequencers = uint32(value);
        } else if (parameter == ISequencerRegistry.Parameter.ActivationBlock) {
            (old, lo, hi) = (p.activationBlock, 0, type(uint64).max);
            _bound(parameter, value, lo, hi);
            p.activationBlock = uint64(value);
        } else if (parameter == ISequencerRegistry.Parameter.ScoreDecayRate) {
            (old, lo, hi) = (p.scoreDecayRate, 0, BPS);
            _bound(parameter, value, lo, hi);
            p.scoreDecayRate = uint16(value);
        } else {
            // A lower cap binds growth only: a region already above it keeps its stake and cannot grow.
            (old, lo, hi) = (p.regionCapBps, 0, BPS);
            _bound(parameter, value, lo, hi);
            p.regionCapBps = uint16(value);
        }
        emit ISequencerRegistry.ParameterUpdated(parameter, old, value);
    }

    function _bound(ISequencerRegistry.Parameter parameter, uint256 value, uint256 lo, uint256 hi) private pure {
        if (value < lo || value > hi) revert ISequencerRegistry.RegistryParameterOutOfBounds(parameter, value, lo, hi);
    }

    function setFallbackSequencer(Params storage p, address fallbackSequencer) public {
        if (fallbackSequencer == address(0)) revert ISequencerRegistry.RegistryZeroAddress();
        p.fallbackSequencer = fallbackSequencer;
        emit ISequencerRegistry.FallbackSequencerUpdated(fallbackSequencer);
    }
}
