// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IEquivocationModule
 * @notice The registry's judge of equivocation evidence. The registry forwards {ISequencerRegistry.reportMisbehavior}
 * with canonical evidence to it, together with what the core records of the accused sequencer (its operator and
 * its last period of duty, with whether that period was already punished); the module verifies the two signed
 * block commitments under the registry's EIP-712 domain and applies the evidence rules. It returns the offence's
 * slot; the core then applies the verdict (suspension, slash, reporter reward) and marks the period punished in
 * the same record, so what was punished lives with the duty it was punished for. The module holds no state and
 * no funds.
 *
 * Its reverts are the registry's errors ({ISequencerRegistry}), since callers meet them through the registry.
 */
interface IEquivocationModule {
    /// @notice A sequencer's last period of duty: the registry's slots `[fromSlot, endSlot)` in which it was in the
    /// Active set (`endSlot` is `type(uint40).max` while it is, 0 if it never was), and whether an equivocation
    /// in that period was already punished.
    struct Duty {
        uint256 fromSlot;
        uint256 endSlot;
        bool punished;
    }

    /**
     * @notice Verifies `evidence` (`abi.encode(slot, hashA, sigA, hashB, sigB)`) against `sequencerId`.
     * @param sequencerId The accused sequencer.
     * @param operator Its operator: the key block commitments are signed with, unless the module's signing-key
     * registry names another key for the evidence's slot.
     * @param duty Its last period of duty.
     * @param nowSlot The registry's current slot.
     * @param windowSlots How many slots back evidence is accepted.
     * @param evidence The canonical encoding of the two commitments.
     * @return slot The slot of the proven equivocation.
     * @dev Requirements (each failure reverts with the registry's error naming it):
     * - two different block hashes for one slot, both signed by the sequencer's signing key for that slot (the
     *   operator by default) (`RegistryInvalidEquivocationProof`);
     * - the slot has started (`RegistryEvidenceNotYetValid`) and is within the window (`RegistryEvidenceExpired`);
     * - the sequencer held the duty in that slot (`RegistryEvidenceOutsideDuty`);
     * - that period was not punished already (`RegistryEquivocationAlreadySlashed`).
     */
    function judge(
        uint256 sequencerId,
        address operator,
        Duty calldata duty,
        uint256 nowSlot,
        uint256 windowSlots,
        bytes calldata evidence
    ) external view returns (uint256 slot);

    /// @notice The registry whose EIP-712 domain block commitments are signed under.
    /// @return The registry's address.
    function registry() external view returns (address);
}
