// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";

/**
 * @title EquivocationLib
 * @notice Checks an equivocation proof: two EIP-712 `BlockCommitment`s signed by the
 * same operator for the same sequencer and slot, with different block hashes.
 * @dev Internal: {EquivocationModule} verifies evidence with it; the registry only builds digests for its view.
 */
library EquivocationLib {
    bytes32 internal constant BLOCK_COMMITMENT_TYPEHASH = keccak256(
        "BlockCommitment(uint256 sequencerId,uint256 slot,bytes32 blockHash)"
    );
    bytes32 private constant _DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant _NAME_HASH = keccak256("LP504 SequencerRegistry");
    bytes32 private constant _VERSION_HASH = keccak256("1");

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

    /// @notice The slot of {isCanonical} evidence (its first word).
    function slotOf(bytes calldata evidence) internal pure returns (uint256) {
        return uint256(bytes32(evidence[0:32]));
    }

    function digest(
        bytes32 domain,
        uint256 sequencerId,
        uint256 slot,
        bytes32 blockHash
    ) internal pure returns (bytes32) {
        return
            MessageHashUtils.toTypedDataHash(
                domain,
                keccak256(abi.encode(BLOCK_COMMITMENT_TYPEHASH, sequencerId, slot, blockHash))
            );
    }

    /// @notice The EIP-712 domain of block commitments: name "LP504 SequencerRegistry", version "1", this chain,
    /// verifying contract `registry`. {EquivocationModule} caches it for its chain of deployment and recomputes it
    /// on another chain id (a fork).
    function domainSeparator(address registry) internal view returns (bytes32) {
        return keccak256(abi.encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, block.chainid, registry));
    }

    /**
     * @notice Returns the proof's slot if both commitments are signed by `operator` and differ; reverts with the
     * registry's `RegistryInvalidEquivocationProof` otherwise. Digests, never signature bytes, decide
     * (malleability: OpenZeppelin's recovery also refuses high-s signatures). Requires {isCanonical} evidence, whose
     * fields then sit at fixed offsets: the signatures are read in place, without decoding them into memory.
     */
    function verify(
        bytes calldata evidence,
        uint256 sequencerId,
        address operator,
        bytes32 domain
    ) internal pure returns (uint256 slot) {
        slot = slotOf(evidence);
        bytes32 hashA = bytes32(evidence[32:64]);
        bytes32 hashB = bytes32(evidence[96:128]);
        if (
            hashA == hashB ||
            !_signedBy(operator, digest(domain, sequencerId, slot, hashA), evidence[192:257]) ||
            !_signedBy(operator, digest(domain, sequencerId, slot, hashB), evidence[320:385])
        ) revert ISequencerRegistry.RegistryInvalidEquivocationProof(sequencerId);
    }

    /// @dev Whether the 65-byte `signature` (r, s, v) over `hash` recovers to `signer`.
    function _signedBy(address signer, bytes32 hash, bytes calldata signature) private pure returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(
            hash,
            uint8(signature[64]),
            bytes32(signature[0:32]),
            bytes32(signature[32:64])
        );
        return err == ECDSA.RecoverError.NoError && recovered == signer;
    }
}
