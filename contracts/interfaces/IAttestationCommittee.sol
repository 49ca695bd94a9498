// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IAttestationCommittee
 * @notice The attestation committee of each epoch (a fixed number of the registry's slots): `committeeSize` seats,
 * each drawn by stake (with replacement, so one sequencer may hold several seats) over weights frozen before the
 * randomness that draws them existed. What the monitor asks to verify an attested block in O(committee).
 */
interface IAttestationCommittee {
    /// @notice The committee of `epoch` was drawn from randomness `requestId`: `seatIds[i]` holds seat i.
    /// @param epoch The committee epoch.
    /// @param requestId The randomness request whose answer drew it.
    /// @param seatIds Sequencer id holding each seat, in seat order.
    event CommitteeDrawn(uint256 indexed epoch, uint256 indexed requestId, uint256[] seatIds);

    /// @notice Seats per committee (fixed at deployment).
    /// @return The number of seats.
    function committeeSize() external view returns (uint256);

    /// @notice Registry slots per committee epoch (fixed at deployment); the epoch of slot s is s / this.
    /// @return Registry slots per epoch.
    function committeeEpochSlots() external view returns (uint256);

    /// @notice The sequencer id holding each seat of the committee of the epoch holding registry slot `slot`
    /// (empty: none drawn). One call gives a verifier the whole committee (≤ 32 ids).
    /// @param slot A registry slot.
    /// @return seatIds Sequencer id of each seat, in seat order.
    function committeeAt(uint256 slot) external view returns (uint256[] memory seatIds);

    /// @notice The seats `member` (an operator address) holds in the committee of the epoch holding `slot`.
    /// @param slot A registry slot.
    /// @param member An operator address.
    /// @return The number of seats its sequencer holds (0 if none).
    function committeeSeatsAt(uint256 slot, address member) external view returns (uint256);

    /// @notice The sequencer id holding each seat of `epoch`'s committee, and the randomness request that drew it
    /// (empty and 0: none drawn).
    /// @param epoch A committee epoch.
    /// @return seatIds Sequencer id of each seat, in seat order.
    /// @return requestId The randomness request that drew it.
    function committeeOf(uint256 epoch) external view returns (uint256[] memory seatIds, uint256 requestId);
}
