// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Test-only: compiles Chainlink's VRF v2.5 coordinator mock so tests can deploy it.
// solhint-disable-next-line no-unused-import
import {VRFCoordinatorV2_5Mock} from "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";
