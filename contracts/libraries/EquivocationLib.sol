// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";

/**
 * @title EquivocationLib
 * @notice Checks an equivocation proof (DESIGN.md decision 9): two EIP-712 `BlockCommitment`s signed by the
 * same operator for the same sequencer and slot, with different block hashes.
 * @dev Deployed separately and linked (`verify` is `external`) only to keep {SequencerRegistry} under the
 * 24 KiB contract size limit. Pure: the registry passes its domain separator and applies the slot window.
 */
library EquivocationLib {
    bytes32 internal constant BLOCK_COMMITMENT_TYPEHASH = keccak256(
        "BlockCommitment(uint256 sequencerId,uint256 slot,bytes32 blockHash)"
    );

    /// @dev Length of the canonical ABI encoding of `(uint256, bytes32, bytes, bytes32, bytes)` with two
    /// 65-byte signatures: five head words, then for each signature a length word and three data words.
    uint256 internal constant EVIDENCE_LENGTH = 5 * 32 + 2 * (32 + 96);

    /// @notice True when `evidence` is exactly the canonical encoding of an equivocation proof, so decoding it
    /// cannot fail. Other evidence is recorded for governance instead of reverting.
    function isCanonical(bytes calldata evidence) internal pure returns (bool) {
        if (evidence.length != EVIDENCE_LENGTH) return false;
        return
            uint256(bytes32(evidence[64:96])) == 160 &&
            uint256(bytes32(evidence[128:160])) == 288 &&
            uint256(bytes32(evidence[160:192])) == 65 &&
            uint256(bytes32(evidence[288:320])) == 65;
    }

    function digest(
        bytes32 domainSeparator,
        uint256 sequencerId,
        uint256 slot,
        bytes32 blockHash
    ) internal pure returns (bytes32) {
        return
            MessageHashUtils.toTypedDataHash(
                domainSeparator,
                keccak256(abi.encode(BLOCK_COMMITMENT_TYPEHASH, sequencerId, slot, blockHash))
            );
    }

    /**
     * @notice Returns the proof's slot if both commitments are signed by `operator` and differ, and the slot has
     * started (`≤ nowSlot`), is within the last `windowSlots` and is not covered by the last punishment (`≥
     * punishedThroughSlot`). Reverts with the registry's error naming the failed check otherwise. Digests, never
     * signature bytes, decide (malleability).
     */
    function verify(
        bytes calldata evidence,
        uint256 sequencerId,
        address operator,
        bytes32 domainSeparator,
        uint256 nowSlot,
        uint256 windowSlots,
        uint256 punishedThroughSlot
    ) external pure returns (uint256 slot) {
        bytes32 hashA;
        bytes32 hashB;
        bytes memory sigA;
        bytes memory sigB;
        (slot, hashA, sigA, hashB, sigB) = abi.decode(evidence, (uint256, bytes32, bytes, bytes32, bytes));
        if (
            hashA == hashB ||
            !_signedBy(operator, digest(domainSeparator, sequencerId, slot, hashA), sigA) ||
            !_signedBy(operator, digest(domainSeparator, sequencerId, slot, hashB), sigB)
        ) revert ISequencerRegistry.RegistryInvalidEquivocationProof(sequencerId);
        uint256 oldest = nowSlot > windowSlots ? nowSlot - windowSlots : 0;
        if (slot < oldest) revert ISequencerRegistry.RegistryEvidenceExpired(slot, oldest);
        // A future slot would let a sequencer buy immunity: one punishment covering every slot up to it.
        if (slot > nowSlot) revert ISequencerRegistry.RegistryEvidenceNotYetValid(slot, nowSlot);
        if (slot < punishedThroughSlot) revert ISequencerRegistry.RegistryEquivocationAlreadySlashed(sequencerId, slot);
    }

    function _signedBy(address signer, bytes32 hash, bytes memory signature) private pure returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == signer;
    }
}
