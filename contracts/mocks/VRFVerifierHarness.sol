// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VRF} from "@chainlink/contracts/src/v0.8/vrf/VRF.sol";

/// @dev Test-only: exposes Chainlink's verifier so the SDK prover can be checked against it directly.
contract VRFVerifierHarness is VRF {
    function randomValueFromVRFProof(Proof calldata proof, uint256 seed) external view returns (uint256) {
        return _randomValueFromVRFProof(proof, seed);
    }
}
