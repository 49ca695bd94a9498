// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEquivocationModule} from "../interfaces/IEquivocationModule.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";
import {EquivocationLib} from "../libraries/EquivocationLib.sol";

/**
 * @title EquivocationModule
 * @notice Verifies equivocation evidence for a {SequencerRegistry} and remembers what was punished. See
 * {IEquivocationModule}.
 *
 * Trust model: the registry is fixed at construction and is the only caller of {judge}; it supplies the accused's
 * operator and duty period from its own records, so a reporter controls nothing but the evidence bytes. The
 * module trusts nobody else: a verdict needs two valid signatures of the operator. It holds no value: the
 * registry applies the punishment and pays the reporter, so a faulty module can refuse or record, never move
 * funds by itself (the registry caps what a verdict takes).
 */
contract EquivocationModule is IEquivocationModule {
    /// @inheritdoc IEquivocationModule
    address public immutable registry;

    mapping(uint256 sequencerId => uint256 slot) private _punishedThrough;

    constructor(address registry_) {
        if (registry_ == address(0)) revert ISequencerRegistry.RegistryZeroAddress();
        registry = registry_;
    }

    /// @inheritdoc IEquivocationModule
    function judge(
        uint256 sequencerId,
        address operator,
        uint256 dutyFromSlot,
        uint256 dutyEndSlot,
        uint256 nowSlot,
        uint256 windowSlots,
        bytes calldata evidence
    ) external returns (uint256 slot) {
        if (msg.sender != registry) revert EquivocationModuleNotRegistry(msg.sender);
        slot = EquivocationLib.verify(evidence, sequencerId, operator, EquivocationLib.domainSeparator(registry));
        uint256 oldest = nowSlot > windowSlots ? nowSlot - windowSlots : 0;
        if (slot < oldest) revert ISequencerRegistry.RegistryEvidenceExpired(slot, oldest);
        // A future slot would let a sequencer buy immunity: one punishment covering every slot up to it.
        if (slot > nowSlot) revert ISequencerRegistry.RegistryEvidenceNotYetValid(slot, nowSlot);
        // Only the slots in which it held the duty: a suspended or exited sequencer cannot be made to pay (nor make
        // its delegators pay) for commitments signed after it left the set.
        if (slot < dutyFromSlot || slot >= dutyEndSlot) {
            revert ISequencerRegistry.RegistryEvidenceOutsideDuty(sequencerId, slot, dutyFromSlot, dutyEndSlot);
        }
        if (slot < _punishedThrough[sequencerId]) {
            revert ISequencerRegistry.RegistryEquivocationAlreadySlashed(sequencerId, slot);
        }
        // One punishment per offence window: evidence for any slot up to now is covered by this one (the registry
        // suspends the sequencer in the same transaction, so its duty ends here too).
        _punishedThrough[sequencerId] = nowSlot + 1;
        emit EquivocationRecorded(sequencerId, slot, nowSlot + 1);
    }

    /// @inheritdoc IEquivocationModule
    function punishedThroughSlot(uint256 sequencerId) external view returns (uint256) {
        return _punishedThrough[sequencerId];
    }

    /// @notice The EIP-712 domain separator of block commitments (the registry's domain, on this chain).
    function domainSeparator() external view returns (bytes32) {
        return EquivocationLib.domainSeparator(registry);
    }

    /// @notice The EIP-712 digest a sequencer signs for a block commitment (the registry's domain).
    function blockCommitmentDigest(
        uint256 sequencerId,
        uint256 slot,
        bytes32 blockHash
    ) external view returns (bytes32) {
        return EquivocationLib.digest(EquivocationLib.domainSeparator(registry), sequencerId, slot, blockHash);
    }
}
