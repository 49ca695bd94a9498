// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISlashingQueue} from "../interfaces/ISlashingQueue.sol";

/// @dev Test-only: an insurance claimant that, when the registry's `withdraw` pays it, tries to collect its claim
/// again, and counts whether that succeeded.
contract ClaimReentrant {
    ISlashingQueue public immutable queue;
    uint256 public claimId;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;

    constructor(ISlashingQueue queue_) {
        queue = queue_;
    }

    function act(address to, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = to.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    function setClaim(uint256 id) external {
        claimId = id;
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        reentryAttempts += 1;
        (bool ok, ) = address(queue).call(abi.encodeCall(ISlashingQueue.collectClaim, (claimId)));
        if (ok) reentrySuccesses += 1;
    }
}
