// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEquivocationModule} from "../interfaces/IEquivocationModule.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";
import {EquivocationLib} from "../libraries/EquivocationLib.sol";
import {SigningKeys} from "../SigningKeys.sol";

/**
 * @title EquivocationModule
 * @notice Judges equivocation evidence for a {SequencerRegistry}. See {IEquivocationModule}.
 *
 * Trust model: the registry supplies the accused's operator and period of duty from its own records, so a
 * reporter controls nothing but the evidence bytes, and a verdict needs two valid signatures of the operator for
 * one slot of its duty. The module is a pure function of those inputs (a view): it cannot move funds, change
 * the set, or remember anything the registry does not record; swapping it (governance) changes the rules of
 * evidence, never balances. The registry caps what a verdict takes (`slashingPercentage` of the pool).
 *
 * Signing keys: with a {SigningKeys} contract wired at construction, the commitments must be signed by the key
 * valid for the evidence's slot there (the operator address until its operator sets another); without one (address
 * 0), by the operator.
 */
contract EquivocationModule is IEquivocationModule {
    /// @inheritdoc IEquivocationModule
    address public immutable registry;
    /// @notice The sequencers' signing keys (address(0): commitments are signed by the operators themselves).
    SigningKeys public immutable signingKeys;

    /// @dev The EIP-712 domain of block commitments on the chain of deployment, recomputed if the chain id changes (a
    /// fork), so the domain is always this chain's.
    bytes32 private immutable _deploymentDomain;
    uint256 private immutable _deploymentChainId;

    /// @param registry_ The registry whose evidence this module judges.
    /// @param signingKeys_ The {SigningKeys} of that registry's sequencers, or address(0) for operator keys only.
    constructor(address registry_, address signingKeys_) {
        if (registry_ == address(0)) revert ISequencerRegistry.RegistryZeroAddress();
        registry = registry_;
        signingKeys = SigningKeys(signingKeys_);
        _deploymentChainId = block.chainid;
        _deploymentDomain = EquivocationLib.domainSeparator(registry_);
    }

    /// @inheritdoc IEquivocationModule
    function judge(
        uint256 sequencerId,
        address operator,
        Duty calldata duty,
        uint256 nowSlot,
        uint256 windowSlots,
        bytes calldata evidence
    ) external view returns (uint256 slot) {
        address signer = operator;
        if (address(signingKeys) != address(0)) {
            // The key valid for the evidence's slot, fixed once that slot started: rotating later changes nothing.
            signer = signingKeys.signingKeyAt(sequencerId, EquivocationLib.slotOf(evidence), operator);
        }
        slot = EquivocationLib.verify(evidence, sequencerId, signer, _domain());
        uint256 oldest = nowSlot > windowSlots ? nowSlot - windowSlots : 0;
        if (slot < oldest) revert ISequencerRegistry.RegistryEvidenceExpired(slot, oldest);
        // A future slot would let a sequencer buy immunity: one punishment covering the rest of its duty.
        if (slot > nowSlot) revert ISequencerRegistry.RegistryEvidenceNotYetValid(slot, nowSlot);
        // Only the slots in which it held the duty: a suspended or exited sequencer cannot be made to pay (nor make
        // its delegators pay) for commitments signed after it left the set, nor before it joined.
        if (slot < duty.fromSlot || slot >= duty.endSlot) {
            revert ISequencerRegistry.RegistryEvidenceOutsideDuty(sequencerId, slot, duty.fromSlot, duty.endSlot);
        }
        // One punishment per period of duty: the first proof suspends the sequencer, which ends the period.
        if (duty.punished) revert ISequencerRegistry.RegistryEquivocationAlreadySlashed(sequencerId, slot);
    }

    /// @notice The EIP-712 domain separator of block commitments (the registry's domain, on this chain).
    function domainSeparator() external view returns (bytes32) {
        return _domain();
    }

    /// @notice The EIP-712 digest a sequencer signs for a block commitment (the registry's domain).
    function blockCommitmentDigest(
        uint256 sequencerId,
        uint256 slot,
        bytes32 blockHash
    ) external view returns (bytes32) {
        return EquivocationLib.digest(_domain(), sequencerId, slot, blockHash);
    }

    function _domain() private view returns (bytes32) {
        return block.chainid == _deploymentChainId ? _deploymentDomain : EquivocationLib.domainSeparator(registry);
    }
}
