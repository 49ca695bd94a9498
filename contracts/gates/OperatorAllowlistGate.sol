// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IRegistrationGate} from "../interfaces/IRegistrationGate.sol";

/**
 * @title OperatorAllowlistGate
 * @notice Reference {IRegistrationGate}: a governed list of operators that passed an identity check off chain
 * (KYC). Governance adds and removes operators; the registry admits only listed ones once governance points
 * `setRegistrationGate` at this contract.
 *
 * Removal affects only future registrations: a listed operator that already runs a sequencer keeps it (the registry
 * asks at registration only), and governance suspends or ejects it through the registry if it must leave at once.
 * Each change emits {OperatorAllowlisted}, so the list can be rebuilt from events; nothing iterates over it on chain.
 */
contract OperatorAllowlistGate is IRegistrationGate, AccessControl {
    /// @notice Role that edits the list.
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");

    mapping(address operator => bool listed) private _allowed;

    /// @notice `operator` was added to (`allowed` true) or removed from the list.
    /// @param operator The operator.
    /// @param allowed Whether it may register from now on.
    event OperatorAllowlisted(address indexed operator, bool allowed);

    /// @notice The zero address cannot administer the list nor be listed.
    error AllowlistZeroAddress();
    /// @notice An edit named no operator.
    error AllowlistEmptyBatch();
    /// @notice The edit would not change `operator`'s entry (already `allowed`): a batch with a mistake changes nothing.
    error AllowlistUnchanged(address operator, bool allowed);

    /// @param admin Receives the admin and governance roles.
    constructor(address admin) {
        if (admin == address(0)) revert AllowlistZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
    }

    /**
     * @notice Governance role: adds (`allowed` true) or removes the listed operators. The batch is the caller's own
     * (its length bounds the loop); it is applied whole or not at all.
     * @param operators The operators to change (none zero, each entry changing).
     * @param allowed The entry every one of them gets.
     */
    function setAllowed(address[] calldata operators, bool allowed) external onlyRole(GOVERNANCE_ROLE) {
        uint256 count = operators.length;
        if (count == 0) revert AllowlistEmptyBatch();
        for (uint256 i; i < count; ++i) {
            address operator = operators[i];
            if (operator == address(0)) revert AllowlistZeroAddress();
            if (_allowed[operator] == allowed) revert AllowlistUnchanged(operator, allowed);
            _allowed[operator] = allowed;
            emit OperatorAllowlisted(operator, allowed);
        }
    }

    /// @inheritdoc IRegistrationGate
    function isAllowed(address operator) external view returns (bool allowed) {
        return _allowed[operator];
    }
}
