// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title BN254
 * @notice G1 arithmetic on the alt_bn128 curve through the Shanghai precompiles (ecAdd 0x06, ecMul 0x07), and
 * scalar-field helpers, for Feldman-verifiable secret sharing.
 */
library BN254 {
    /// @dev A precompile call failed (only with too little gas: its inputs here are always well formed).
    error BN254PrecompileFailed();

    /// @dev Base field modulus.
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @dev Group order (scalar field).
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev a + b, or ok = false if a point is invalid (the precompile fails).
    function add(uint256[2] memory a, uint256[2] memory b) internal view returns (uint256[2] memory c, bool ok) {
        uint256[4] memory input = [a[0], a[1], b[0], b[1]];
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x06, input, 0x80, c, 0x40)
        }
    }

    /// @dev s·a, or ok = false if the point is invalid.
    function mul(uint256[2] memory a, uint256 s) internal view returns (uint256[2] memory c, bool ok) {
        uint256[3] memory input = [a[0], a[1], s];
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x07, input, 0x60, c, 0x40)
        }
    }

    /// @dev base^exponent mod R with the modexp precompile (0x05).
    function expModR(uint256 base, uint256 exponent) internal view returns (uint256 result) {
        uint256[6] memory input = [uint256(32), 32, 32, base, exponent, R];
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x05, input, 0xc0, input, 0x20)
            result := mload(input)
        }
        if (!ok) revert BN254PrecompileFailed();
    }
}
