// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";

/**
 * @title InsuranceFee
 * @notice The insurance fund's share of a revenue payment made outside the registry (compute payments and boosts
 * in {AIScheduler}, forced-inclusion fees in {PerformanceMonitor}), at the registry's one governed rate
 * `insuranceFeeBps`, read from the registry at each payout and rounded down like the registry's own fee.
 * Internal: it costs the caller one static call and a few dozen bytes.
 */
library InsuranceFee {
    /// @notice The registry's answer to `getParameters()` is too short (not an LP-504 registry).
    error InsuranceFeeUnreadable();

    /**
     * @notice `amount × insuranceFeeBps / 10,000`, rounded down.
     * @dev `getParameters()` returns a static struct, so its fields are inline words; `insuranceFeeBps` is the
     * fifth (offset 0x80). Only that word is read, rather than decoding all thirteen (a test checks it against the
     * decoded struct).
     */
    function feeOn(ISequencerRegistry registry, uint256 amount) internal view returns (uint256 fee) {
        bytes4 selector = ISequencerRegistry.getParameters.selector;
        uint256 bps;
        bool ok;
        assembly ("memory-safe") {
            mstore(0, selector)
            ok := staticcall(gas(), registry, 0, 4, 0, 0)
            ok := and(ok, gt(returndatasize(), 0x9f)) // Yul evaluates arguments right to left: call first
            if ok {
                returndatacopy(0, 0x80, 0x20)
                bps := mload(0)
            }
        }
        if (!ok || bps > 10_000) revert InsuranceFeeUnreadable();
        fee = (amount * bps) / 10_000;
    }
}
