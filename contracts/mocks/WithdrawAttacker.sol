// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IWithdrawable {
    function withdraw() external returns (uint256);
}

/// @dev Test-only: an account that acts through arbitrary calls (requester, recipient) and, when paid by
/// `withdraw`, tries to call `withdraw` again.
contract WithdrawAttacker {
    IWithdrawable public immutable victim;
    bool public reenter = true;
    uint256 public reentries;

    constructor(IWithdrawable victim_) {
        victim = victim_;
    }

    function act(address to, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = to.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    function setReenter(bool on) external {
        reenter = on;
    }

    function attack() external returns (uint256) {
        return victim.withdraw();
    }

    receive() external payable {
        if (reenter) {
            reentries += 1;
            victim.withdraw();
        }
    }
}
