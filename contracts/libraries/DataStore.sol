// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title DataStore
 * @notice Stores a byte string as the runtime code of a fresh contract and reads it back: 200 gas a byte to
 * write and a few gas a word to read, against 20,000 per 32-byte storage slot. The code starts with a STOP
 * byte, so calling the data contract does nothing.
 */
library DataStore {
    error DataStoreWriteFailed();

    function write(bytes memory data) internal returns (address pointer) {
        bytes memory code = abi.encodePacked(hex"00", data);
        // Init code: PUSH4 len, DUP1, PUSH1 14, PUSH1 0, CODECOPY, PUSH1 0, RETURN; then the code to deploy.
        bytes memory init = abi.encodePacked(hex"63", uint32(code.length), hex"80600e6000396000f3", code);
        assembly ("memory-safe") {
            pointer := create(0, add(init, 0x20), mload(init))
        }
        if (pointer == address(0)) revert DataStoreWriteFailed();
    }

    /// @notice `length` bytes of the stored data from `offset` (offsets exclude the STOP byte).
    function read(address pointer, uint256 offset, uint256 length) internal view returns (bytes memory data) {
        data = new bytes(length);
        assembly ("memory-safe") {
            extcodecopy(pointer, add(data, 0x20), add(offset, 1), length)
        }
    }

    function size(address pointer) internal view returns (uint256) {
        return pointer.code.length - 1;
    }
}
