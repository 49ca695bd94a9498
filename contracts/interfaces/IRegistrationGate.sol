// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IRegistrationGate
 * @notice The optional identity check ("KYC for operators") a {SequencerRegistry} consults when an operator
 * registers, once governance has set one (`setRegistrationGate`; address 0, the default, means no check).
 *
 * The registry asks only at registration: delegators are never asked, and an operator the gate refuses later keeps
 * its running sequencer until it exits (governance suspends or ejects it through the registry's own functions if
 * it must go at once). The call is a `staticcall`: a gate cannot change state during a registration, and a gate
 * that reverts only blocks registrations until governance replaces or removes it.
 */
interface IRegistrationGate {
    /// @notice Whether `operator` may register a sequencer now.
    /// @param operator The account calling `registerSequencer` (the future operator).
    /// @return allowed True to let the registration proceed; false refuses it with `RegistryOperatorNotAllowed`.
    function isAllowed(address operator) external view returns (bool allowed);
}
