// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IExtsload
 * @notice Raw storage reads of a core contract, for lenses and indexers that compute the slots of its records from
 * its published storage layout (Uniswap v4's pattern): convenience views live outside the core, which keeps its
 * bytecode for what moves money and the set.
 */
interface IExtsload {
    /// @notice The word at storage slot `slot`.
    /// @param slot The storage slot.
    /// @return value The 32-byte word stored there.
    function extsload(bytes32 slot) external view returns (bytes32 value);

    /// @notice `nSlots` consecutive words from `startSlot`.
    /// @param startSlot The first storage slot.
    /// @param nSlots How many consecutive slots to read.
    /// @return values The words, in slot order.
    function extsload(bytes32 startSlot, uint256 nSlots) external view returns (bytes32[] memory values);
}
