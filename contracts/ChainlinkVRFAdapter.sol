// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VRFConsumerBaseV2Plus} from "@chainlink/contracts/src/v0.8/vrf/dev/VRFConsumerBaseV2Plus.sol";
import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";
import {ISequencerSelection} from "./interfaces/ISequencerSelection.sol";
import {IRandomnessSource} from "./interfaces/IRandomnessSource.sol";

/**
 * @title ChainlinkVRFAdapter
 * @notice Randomness source for chains with Chainlink VRF v2.5: forwards the consumer's requests to the
 * coordinator and the answers back. A separate contract because `VRFConsumerBaseV2Plus` brings Chainlink's
 * `ConfirmedOwner`, which the suite's AccessControl contracts should not inherit.
 * @dev The coordinator's callback only stores the word (cheap and unable to fail); anyone then calls
 * {relay} to deliver it. Requests pay in LINK (`nativePayment: false`); the subscription is the owner's.
 */
contract ChainlinkVRFAdapter is VRFConsumerBaseV2Plus, IRandomnessSource {
    ISequencerSelection public immutable consumer;
    uint256 public immutable subscriptionId;
    bytes32 public immutable keyHash;
    uint32 public immutable callbackGasLimit;
    uint16 public immutable requestConfirmations;

    mapping(uint256 requestId => uint256 word) private _words;
    mapping(uint256 requestId => bool) private _requested;

    event RandomWordsStored(uint256 indexed requestId);
    event RandomnessRelayed(uint256 indexed requestId, uint256 randomness);

    error AdapterNotConsumer(address caller);
    error AdapterUnknownRequest(uint256 requestId);
    error AdapterNotFulfilled(uint256 requestId);

    constructor(
        address coordinator,
        uint256 subscriptionId_,
        bytes32 keyHash_,
        ISequencerSelection consumer_,
        uint32 callbackGasLimit_,
        uint16 requestConfirmations_
    ) VRFConsumerBaseV2Plus(coordinator) {
        consumer = consumer_;
        subscriptionId = subscriptionId_;
        keyHash = keyHash_;
        callbackGasLimit = callbackGasLimit_;
        requestConfirmations = requestConfirmations_;
    }

    /// @inheritdoc IRandomnessSource
    function requestRandomness() external returns (uint256 requestId) {
        if (msg.sender != address(consumer)) revert AdapterNotConsumer(msg.sender);
        requestId = s_vrfCoordinator.requestRandomWords(
            VRFV2PlusClient.RandomWordsRequest({
                keyHash: keyHash,
                subId: subscriptionId,
                requestConfirmations: requestConfirmations,
                callbackGasLimit: callbackGasLimit,
                numWords: 1,
                extraArgs: VRFV2PlusClient._argsToBytes(VRFV2PlusClient.ExtraArgsV1({nativePayment: false}))
            })
        );
        _requested[requestId] = true;
    }

    /// @notice Delivers a fulfilled request's word to the consumer (anyone may call; once per request).
    function relay(uint256 requestId) external {
        if (!_requested[requestId]) revert AdapterUnknownRequest(requestId);
        uint256 word = _words[requestId];
        if (word == 0) revert AdapterNotFulfilled(requestId);
        delete _requested[requestId];
        delete _words[requestId];
        emit RandomnessRelayed(requestId, word);
        consumer.fulfillRandomness(requestId, word);
    }

    function storedWord(uint256 requestId) external view returns (uint256) {
        return _words[requestId];
    }

    function fulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) internal override {
        // A zero word would read as "not fulfilled"; map it to 1 (probability 2^-256).
        _words[requestId] = randomWords[0] == 0 ? 1 : randomWords[0];
        emit RandomWordsStored(requestId);
    }
}
