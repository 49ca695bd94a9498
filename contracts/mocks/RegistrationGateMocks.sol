// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev Test-only: a registration gate that reverts on every question.
contract RevertingRegistrationGate {
    error GateDown();

    function isAllowed(address) external pure returns (bool) {
        revert GateDown();
    }
}

/// @dev Test-only: a gate that writes storage while it answers (it would count registrations, or reenter); the
/// registry's static call must make that fail.
contract StatefulRegistrationGate {
    uint256 public asked;

    function isAllowed(address) external returns (bool) {
        ++asked;
        return true;
    }
}
