// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";

/// @dev Test-only: a contract account that holds a registry balance and, on receiving value, either accepts,
/// rejects, or tries to re-enter `withdraw`.
contract RegistryAccountMock {
    enum OnReceive {
        Accept,
        Reject,
        Reenter
    }

    ISequencerRegistry public immutable registry;
    OnReceive public mode;
    uint256 public reentryAttempts;

    constructor(ISequencerRegistry registry_) {
        registry = registry_;
    }

    function setMode(OnReceive mode_) external {
        mode = mode_;
    }

    function withdrawFromRegistry() external returns (uint256) {
        return registry.withdraw();
    }

    error Rejecting();

    // An attacker's receive hook is complex on purpose: it re-enters or refuses.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (mode == OnReceive.Reject) revert Rejecting();
        if (mode == OnReceive.Reenter) {
            reentryAttempts += 1;
            registry.withdraw();
        }
    }
}
