// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IExtsload} from "../interfaces/IExtsload.sol";
import {PolicyType, JobStatus} from "../interfaces/IAIWorkloadScheduler.sol";
import {AIScheduler} from "../AIScheduler.sol";
import {ClassIndexLib} from "../libraries/ClassIndexLib.sol";

/**
 * @title SchedulerLens
 * @notice Convenience views of an {AIScheduler} that the specification does not name: jobs and their specs,
 * settlements, boosts, capabilities, withdrawable balances, the queue head, the policy and the accounting. It reads
 * the scheduler's storage through `extsload`, at the slots of the scheduler's storage layout (the constants below
 * and the field offsets in the decoders; a test checks both against the compiler's layout), so the core's bytecode
 * keeps to what moves jobs and money. Stateless and read-only: deploy one per scheduler, or none.
 */
contract SchedulerLens {
    /// @dev Storage slots of the scheduler's variables (AccessControl's `_roles` is 0, ReentrancyGuard's 1).
    uint256 public constant JOBS_SLOT = 2;
    uint256 public constant SPECS_SLOT = 3;
    uint256 public constant CAPS_SLOT = 4;
    uint256 public constant MODELS_SLOT = 5;
    uint256 public constant HOT_SLOT = 6;
    uint256 public constant BALANCES_SLOT = 9;
    uint256 public constant SETTLEMENTS_SLOT = 10;
    uint256 public constant BOOSTS_SLOT = 11;
    uint256 public constant POLICY_SLOT = 12;
    uint256 public constant BUCKET_MAP_SLOT = 13;
    uint256 public constant BUCKETS_SLOT = 14;
    /// @dev `_jobCount` (bits 0..39), `_queued` (40..127), `_escrow` (128..255).
    uint256 public constant ESCROW_SLOT = 15;
    uint256 public constant OWED_SLOT = 16;
    /// @dev A capacity lane of `_hot`: four 25-bit fields (see {AIScheduler}).
    uint256 private constant UNIT_MASK = (1 << 25) - 1;

    IExtsload public immutable scheduler;

    constructor(address scheduler_) {
        scheduler = IExtsload(scheduler_);
    }

    /// @notice A job's record and spec (all zero for an unknown job).
    function getJob(bytes32 jobId) external view returns (AIScheduler.Job memory job, bytes memory spec) {
        uint256 index = uint256(jobId);
        bytes32[] memory w = scheduler.extsload(_at(index, JOBS_SLOT), 3);
        uint256 a = uint256(w[0]);
        job.requester = address(uint160(a));
        job.status = JobStatus(uint8(a >> 160));
        job.bucket = uint8(a >> 168);
        job.sequencerId = uint32(a >> 176);
        job.startDeadline = uint40(a >> 208);
        job.needs = uint8(a >> 248);
        uint256 b = uint256(w[1]);
        job.deadline = uint40(b);
        job.prev = uint40(b >> 40);
        job.next = uint40(b >> 80);
        job.priority = uint32(b >> 120);
        job.requiredFlops = uint64(b >> 152);
        job.resultAt = uint40(b >> 216);
        uint256 c = uint256(w[2]);
        job.memoryRequirement = uint64(c);
        job.payment = uint128(c >> 64);
        job.computeUsed = uint64(c >> 192);
        spec = _bytesAt(uint256(_at(index, SPECS_SLOT)));
    }

    /// @notice A job's third-party boosts, dispute bond, dispute or arbitration deadline, and ruling.
    function getSettlement(bytes32 jobId) external view returns (AIScheduler.Settlement memory s) {
        uint256 w = _word(_at(uint256(jobId), SETTLEMENTS_SLOT));
        s.boosts = uint96(w);
        s.bond = uint96(w >> 96);
        s.settleBy = uint40(w >> 192);
        s.executorBps = uint16(w >> 232);
        s.disputed = uint8(w >> 248) != 0;
    }

    /// @notice The unsettled boost `payer` put on a job.
    function boostOf(bytes32 jobId, address payer) external view returns (uint256) {
        return _word(keccak256(abi.encode(payer, _at(uint256(jobId), BOOSTS_SLOT))));
    }

    /// @notice A sequencer's advertised extras, its capacity in storage units (FLOPS_UNIT flops, MEMORY_UNIT
    /// bytes) and its supported models.
    function getCapabilities(
        uint256 sequencerId
    )
        external
        view
        returns (ClassIndexLib.Capabilities memory caps, ClassIndexLib.Capacity memory capacity, string[] memory models)
    {
        uint256 w = _word(_at(sequencerId, CAPS_SLOT));
        caps.networkBandwidth = uint128(w);
        caps.hasTEE = uint8(w >> 128) != 0;
        caps.hasGPU = uint8(w >> 136) != 0;
        caps.hotIndex = uint32(w >> 144);
        caps.headJob = uint40(w >> 176);
        caps.tailJob = uint40(w >> 216);
        if (caps.hotIndex != 0) {
            uint256 position = caps.hotIndex - 1;
            bytes32 word = bytes32(uint256(keccak256(abi.encode(HOT_SLOT))) + position / 2);
            uint256 lane = _word(word) >> (128 * (position % 2));
            capacity.availableFlops = lane & UNIT_MASK;
            capacity.availableMemory = (lane >> 25) & UNIT_MASK;
            capacity.reservedFlops = (lane >> 50) & UNIT_MASK;
            capacity.reservedMemory = (lane >> 75) & UNIT_MASK;
        }
        bytes32 list = _at(sequencerId, MODELS_SLOT);
        models = new string[](_word(list));
        uint256 first = uint256(keccak256(abi.encode(list)));
        for (uint256 i; i < models.length; ++i) models[i] = string(_bytesAt(first + i));
    }

    /// @notice The queueing policy in force.
    function schedulingPolicy() external view returns (PolicyType) {
        return PolicyType(uint8(_word(bytes32(POLICY_SLOT)))); // `_edfWidth` follows in bits 8..71
    }

    /// @notice What `account` can `withdraw` from the scheduler now.
    function balanceOf(address account) external view returns (uint256) {
        return _word(keccak256(abi.encode(account, BALANCES_SLOT)));
    }

    /// @notice (escrowed payments and bonds of open jobs, withdrawable balances): their sum is the scheduler's
    /// balance.
    function accounting() external view returns (uint256 escrow, uint256 withdrawable) {
        bytes32[] memory w = scheduler.extsload(bytes32(ESCROW_SLOT), 2);
        return (uint256(w[0]) >> 128, uint256(w[1]));
    }

    /// @notice The job the policy runs next (0 if the queue is empty).
    function nextQueuedJob() external view returns (bytes32) {
        uint256 map = _word(bytes32(BUCKET_MAP_SLOT));
        if (map == 0) return 0;
        uint256 width = edfWidth();
        // The lowest non-empty bucket; under EDF the first from the bucket of now on, wrapping.
        uint256 bucket = ClassIndexLib.ringFirst(map, width == 0 ? 0 : (block.timestamp / width) % 256);
        return bytes32(_word(_at(bucket, BUCKETS_SLOT)) >> 64);
    }

    /// @notice Under the EDF policy, the seconds of deadline per queue bucket; 0 under any other policy.
    /// @return The bucket width in seconds, or 0.
    function edfWidth() public view returns (uint256) {
        uint256 word = _word(bytes32(POLICY_SLOT));
        return PolicyType(uint8(word)) == PolicyType.EDF ? uint64(word >> 8) : 0;
    }

    /// @dev The slot of `key` in the mapping at `slot`.
    function _at(uint256 key, uint256 slot) private pure returns (bytes32) {
        return keccak256(abi.encode(key, slot));
    }

    function _word(bytes32 slot) private view returns (uint256) {
        return uint256(scheduler.extsload(slot));
    }

    /// @dev A `bytes` or `string` in storage at `slot`: up to 31 bytes in the slot itself (length × 2 in the low
    /// byte), else length × 2 + 1 there and the data from keccak256(slot).
    function _bytesAt(uint256 slot) private view returns (bytes memory out) {
        uint256 word = _word(bytes32(slot));
        if (word & 1 == 0) {
            out = new bytes(32);
            assembly ("memory-safe") {
                mstore(add(out, 0x20), and(word, not(0xff)))
                mstore(out, shr(1, and(word, 0xff)))
            }
            return out;
        }
        uint256 length = word >> 1;
        out = abi.encodePacked(scheduler.extsload(keccak256(abi.encode(slot)), (length + 31) / 32));
        assembly ("memory-safe") {
            mstore(out, length)
        }
    }
}
