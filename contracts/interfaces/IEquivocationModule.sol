// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IEquivocationModule
 * @notice The registry's judge of equivocation evidence. The registry forwards {ISequencerRegistry.reportMisbehavior}
 * with canonical evidence to it, together with what the core knows of the accused sequencer (operator and the
 * slots in which it held the duty to sequence); the module verifies the two signed block commitments under the
 * registry's EIP-712 domain, applies the evidence rules and remembers what it punished. It returns the offence's
 * slot, and the core then applies the verdict (suspension, slash, reporter reward). It holds no funds.
 *
 * Its reverts are the registry's errors ({ISequencerRegistry}), since callers meet them through the registry.
 */
interface IEquivocationModule {
    /// @notice Emitted when a proven offence is recorded: evidence for slots `< punishedThroughSlot` is spent.
    event EquivocationRecorded(uint256 indexed sequencerId, uint256 slot, uint256 punishedThroughSlot);

    /// @notice The caller is not the registry this module judges for.
    error EquivocationModuleNotRegistry(address caller);

    /**
     * @notice Verifies `evidence` (`abi.encode(slot, hashA, sigA, hashB, sigB)`) against `sequencerId` and records
     * the offence. Only the registry may call it.
     * @param sequencerId The accused sequencer.
     * @param operator Its operator, the key block commitments are signed with.
     * @param dutyFromSlot First slot of its last period in the Active set.
     * @param dutyEndSlot One past the last slot of that period (`type(uint40).max` while Active, 0 if never Active).
     * @param nowSlot The registry's current slot.
     * @param windowSlots How many slots back evidence is accepted.
     * @param evidence The canonical encoding of the two commitments.
     * @return slot The slot of the proven equivocation.
     *
     * Requirements (each failure reverts with the registry's error naming it):
     * - two different block hashes for one slot, both signed by `operator` (`RegistryInvalidEquivocationProof`);
     * - the slot has started (`RegistryEvidenceNotYetValid`) and is within the window (`RegistryEvidenceExpired`);
     * - the sequencer held the duty in that slot (`RegistryEvidenceOutsideDuty`);
     * - no earlier punishment covers the slot (`RegistryEquivocationAlreadySlashed`): one punishment covers every
     *   slot up to the one it was reported in, so one offence window is punished once.
     */
    function judge(
        uint256 sequencerId,
        address operator,
        uint256 dutyFromSlot,
        uint256 dutyEndSlot,
        uint256 nowSlot,
        uint256 windowSlots,
        bytes calldata evidence
    ) external returns (uint256 slot);

    /// @notice One past the last slot covered by a punishment of `sequencerId` (0: never punished).
    function punishedThroughSlot(uint256 sequencerId) external view returns (uint256);

    /// @notice The registry whose EIP-712 domain block commitments are signed under.
    function registry() external view returns (address);
}
