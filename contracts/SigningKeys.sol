// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";

/**
 * @title SigningKeys
 * @notice Block-commitment signing keys of a {SequencerRegistry}'s sequencers, separate from their operators' staking
 * keys and rotatable without re-registering. A sequencer signs with its operator address until its operator sets a
 * key; each change takes effect `ACTIVATION_DELAY_SLOTS` slots of the registry's clock later, never for a slot that
 * has started, so the key of every past or current slot is fixed for good: evidence signed by the key valid for its
 * slot still convicts after any rotation, a new key cannot sign for a slot before its own, and rotating cannot
 * disown an equivocation. The equivocation module asks {signingKeyAt} for the slot of the evidence.
 *
 * A sequencer's changes are kept in order (each starting later than the one before), so the key of a slot is found by
 * a binary search over that sequencer's own changes; nothing iterates over sequencers. A change still waiting for
 * its first slot is replaced by the next one (it never signed for anything).
 */
contract SigningKeys {
    /// @notice A key and the first registry slot it signs for.
    struct KeyChange {
        address key;
        uint64 fromSlot;
    }

    /// @notice The registry whose sequencers and slot clock these keys follow.
    ISequencerRegistry public immutable registry;
    /// @notice Slots between a change and the first slot the new key signs for (at least 1).
    uint256 public immutable ACTIVATION_DELAY_SLOTS;

    mapping(uint256 sequencerId => KeyChange[] changes) private _changes;

    /// @notice Sequencer `sequencerId`'s operator set `key` to sign its block commitments from slot `fromSlot` on.
    /// @param sequencerId The sequencer.
    /// @param key The new signing key.
    /// @param fromSlot The first registry slot the key signs for.
    event SigningKeyChanged(uint256 indexed sequencerId, address indexed key, uint256 fromSlot);

    /// @notice A zero registry or key, or a zero delay.
    error SigningKeysInvalidInput();
    /// @notice Only the operator of `sequencerId` (`registry.operatorOf`) sets its key.
    error SigningKeysNotOperator(uint256 sequencerId, address caller);

    /// @param registry_ The {SequencerRegistry}.
    /// @param activationDelaySlots Slots between a change and the new key's first slot (at least 1).
    constructor(address registry_, uint256 activationDelaySlots) {
        if (registry_ == address(0) || activationDelaySlots == 0 || activationDelaySlots > type(uint32).max) {
            revert SigningKeysInvalidInput();
        }
        registry = ISequencerRegistry(registry_);
        ACTIVATION_DELAY_SLOTS = activationDelaySlots;
    }

    /**
     * @notice The operator of `sequencerId` sets the key that signs its block commitments from
     * `currentSlot + ACTIVATION_DELAY_SLOTS` on. Setting the operator address itself returns to the default.
     * @param sequencerId A sequencer the caller operates.
     * @param key The new signing key (not zero).
     * @return fromSlot The first registry slot the key signs for.
     */
    function setSigningKey(uint256 sequencerId, address key) external returns (uint256 fromSlot) {
        if (key == address(0)) revert SigningKeysInvalidInput();
        address operator = registry.operatorOf(sequencerId);
        if (operator == address(0) || operator != msg.sender) revert SigningKeysNotOperator(sequencerId, msg.sender);
        uint256 nowSlot = registry.currentSlot();
        fromSlot = nowSlot + ACTIVATION_DELAY_SLOTS;
        KeyChange[] storage changes = _changes[sequencerId];
        uint256 count = changes.length;
        KeyChange memory change = KeyChange({key: key, fromSlot: uint64(fromSlot)});
        // A change whose first slot has not started yet never signed for anything: the new one replaces it.
        if (count != 0 && changes[count - 1].fromSlot > nowSlot) changes[count - 1] = change;
        else changes.push(change);
        emit SigningKeyChanged(sequencerId, key, fromSlot);
    }

    /**
     * @notice The key that signs sequencer `sequencerId`'s block commitments for `slot`: the last change whose first
     * slot is at or before `slot`, else `operator` (the default: the operator's own address).
     * @param sequencerId The sequencer.
     * @param slot A registry slot.
     * @param operator The sequencer's operator (the caller read it from the registry).
     * @return key The signing key for that slot.
     */
    function signingKeyAt(uint256 sequencerId, uint256 slot, address operator) external view returns (address key) {
        KeyChange[] storage changes = _changes[sequencerId];
        // The number of changes at or before `slot`: changes start in increasing slots.
        uint256 low;
        uint256 high = changes.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (changes[mid].fromSlot <= slot) low = mid + 1;
            else high = mid;
        }
        return low == 0 ? operator : changes[low - 1].key;
    }

    /// @notice Sequencer `sequencerId`'s key changes, oldest first (for nodes and indexers).
    /// @param sequencerId The sequencer.
    /// @return changes Each key with its first slot.
    function keyChanges(uint256 sequencerId) external view returns (KeyChange[] memory changes) {
        return _changes[sequencerId];
    }
}
