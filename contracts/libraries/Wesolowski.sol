// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Wesolowski
 * @notice Verifies a Wesolowski VDF proof in the RSA-2048 group (the RSA Factoring Challenge modulus, whose
 * factorization nobody knows), with the modexp precompile.
 *
 * Claim: y = x^(2^T) mod N. Proof: π = x^⌊2^T / ℓ⌋ mod N, where ℓ is a 256-bit prime derived from
 * keccak256(abi.encode("LP504-VDF", x, y, T, nonce)) with the top and bottom bits set; the prover picks the
 * nonce that makes it prime (checked here with Miller-Rabin). Accept if π^ℓ · x^r ≡ ±y (mod N), r = 2^T mod ℓ
 * (working modulo ±1, as the group's sign is not hidden). T is part of the hash, so a proof for fewer
 * squarings cannot pass for more.
 *
 * Numbers are 256-byte big-endian `bytes`. Multiplication mod N uses two squarings:
 * 4ab ≡ (a + b)² − (a − b)² (mod N), so the check is 4·π^ℓ·x^r ≡ ±4y.
 */
library Wesolowski {
    uint256 internal constant WORDS = 8;

    /// @dev The RSA-2048 challenge modulus, big-endian 256-bit words.
    function modulus() internal pure returns (uint256[WORDS] memory n) {
        n = [
            0xc7970ceedcc3b0754490201a7aa613cd73911081c790f5f1a8726f463550bb5b,
            0x7ff0db8e1ea1189ec72f93d1650011bd721aeeacc2acde32a04107f0648c2813,
            0xa31f5b0b7765ff8b44b4b6ffc93384b646eb09c7cf5e8592d40ea33c80039f35,
            0xb4f14a04b51f7bfd781be4d1673164ba8eb991c2c4d730bbbe35f592bdef524a,
            0xf7e8daefd26c66fc02c479af89d64d373f442709439de66ceb955f3ea37d5159,
            0xf6135809f85334b5cb1813addc80cd05609f10ac6a95ad65872c909525bdad32,
            0xbc729592642920f24c61dc5b3c3b7923e56b16a4d9d373d8721f24a3fc0f1b31,
            0x31f55615172866bccc30f95054c824e733a5eb6817f7bc16399d48c6361cc7e5
        ];
    }

    /// @notice The VDF input for a seed: eight keccak words, the top bit cleared so that x < 2^2047 < N.
    function inputFromSeed(bytes32 seed) internal pure returns (uint256[WORDS] memory x) {
        for (uint256 i; i < WORDS; ++i) x[i] = uint256(keccak256(abi.encode(seed, i)));
        x[0] &= type(uint256).max >> 1;
    }

    function challenge(uint256[WORDS] memory x, uint256[WORDS] memory y, uint256 t, uint256 nonce) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("LP504-VDF", x, y, t, nonce))) | (1 << 255) | 1;
    }

    /// @notice True iff (y, π, nonce) proves y = x^(2^T) mod N.
    function verify(
        uint256[WORDS] memory x,
        uint256[WORDS] memory y,
        uint256[WORDS] memory pi,
        uint256 t,
        uint256 nonce
    ) internal view returns (bool) {
        uint256[WORDS] memory n = modulus();
        if (!_lt(y, n) || !_lt(pi, n) || _isZero(y)) return false;
        uint256 l = challenge(x, y, t, nonce);
        if (!isProbablePrime(l)) return false;
        uint256[WORDS] memory fourAB = _fourTimesProduct(_expModN(pi, l, n), _expModN(x, _expMod256(2, t, l), n), n);
        uint256[WORDS] memory twoY = _addMod(y, y, n);
        uint256[WORDS] memory fourY = _addMod(twoY, twoY, n);
        if (_eq(fourAB, fourY)) return true;
        return _isZero(_addMod(fourAB, fourY, n)); // 4ab ≡ −4y
    }

    /// @dev 4ab mod N from two squarings: (a + b)² − (a − b)².
    function _fourTimesProduct(
        uint256[WORDS] memory a,
        uint256[WORDS] memory b,
        uint256[WORDS] memory n
    ) private view returns (uint256[WORDS] memory) {
        return _subMod(_expModN(_addMod(a, b, n), 2, n), _expModN(_subMod(a, b, n), 2, n), n);
    }

    /// @notice Miller-Rabin with the first 12 prime bases. ℓ comes from a hash the prover can only re-roll, so
    /// a composite passing all twelve is out of reach (each random odd 256-bit composite passes one base with
    /// probability far below 2^-40).
    function isProbablePrime(uint256 n) internal view returns (bool) {
        if (n < 41) return false; // ℓ has its top bit set
        uint256 d = n - 1;
        uint256 s;
        while (d & 1 == 0) {
            d >>= 1;
            ++s;
        }
        uint8[12] memory bases = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
        for (uint256 i; i < 12; ++i) {
            uint256 a = bases[i];
            if (n % a == 0) return false;
            uint256 v = _expMod256(a, d, n);
            if (v == 1 || v == n - 1) continue;
            bool witness = true;
            for (uint256 j = 1; j < s; ++j) {
                v = mulmod(v, v, n);
                if (v == n - 1) {
                    witness = false;
                    break;
                }
            }
            if (witness) return false;
        }
        return true;
    }

    // ─────────────────────────────────── 2048-bit helpers ───────────────────────────────────

    function _expMod256(uint256 base, uint256 exponent, uint256 mod) private view returns (uint256 result) {
        uint256[6] memory input = [uint256(32), 32, 32, base, exponent, mod];
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x05, input, 0xc0, input, 0x20)
            result := mload(input)
        }
        require(ok);
    }

    /// @dev base^exponent mod n for 256-byte base and modulus, 32-byte exponent.
    function _expModN(
        uint256[WORDS] memory base,
        uint256 exponent,
        uint256[WORDS] memory n
    ) private view returns (uint256[WORDS] memory out) {
        bytes memory input = abi.encodePacked(uint256(256), uint256(32), uint256(256), base, exponent, n);
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x05, add(input, 0x20), mload(input), out, 0x100)
        }
        require(ok);
    }

    function _lt(uint256[WORDS] memory a, uint256[WORDS] memory b) private pure returns (bool) {
        for (uint256 i; i < WORDS; ++i) {
            if (a[i] != b[i]) return a[i] < b[i];
        }
        return false;
    }

    function _eq(uint256[WORDS] memory a, uint256[WORDS] memory b) private pure returns (bool) {
        for (uint256 i; i < WORDS; ++i) if (a[i] != b[i]) return false;
        return true;
    }

    function _isZero(uint256[WORDS] memory a) private pure returns (bool) {
        for (uint256 i; i < WORDS; ++i) if (a[i] != 0) return false;
        return true;
    }

    /// @dev (a + b) mod n for a, b < n.
    function _addMod(uint256[WORDS] memory a, uint256[WORDS] memory b, uint256[WORDS] memory n) private pure returns (uint256[WORDS] memory c) {
        uint256 carry;
        for (uint256 i = WORDS; i > 0; --i) {
            uint256 k = i - 1;
            unchecked {
                uint256 s = a[k] + b[k];
                uint256 c1 = s < a[k] ? 1 : 0;
                uint256 s2 = s + carry;
                uint256 c2 = s2 < s ? 1 : 0;
                c[k] = s2;
                carry = c1 + c2;
            }
        }
        if (carry == 1 || !_lt(c, n)) c = _sub(c, n);
    }

    /// @dev (a − b) mod n for a, b < n.
    function _subMod(uint256[WORDS] memory a, uint256[WORDS] memory b, uint256[WORDS] memory n) private pure returns (uint256[WORDS] memory) {
        if (_lt(a, b)) return _sub(_addRaw(a, n), b);
        return _sub(a, b);
    }

    /// @dev a + n without reduction (callers use it only when the result fits: a < b ≤ n, so a + n < 2n and the
    /// following subtraction of b brings it below n; the lost carry cancels in the wrapping subtraction).
    function _addRaw(uint256[WORDS] memory a, uint256[WORDS] memory b) private pure returns (uint256[WORDS] memory c) {
        uint256 carry;
        for (uint256 i = WORDS; i > 0; --i) {
            uint256 k = i - 1;
            unchecked {
                uint256 s = a[k] + b[k];
                uint256 c1 = s < a[k] ? 1 : 0;
                uint256 s2 = s + carry;
                uint256 c2 = s2 < s ? 1 : 0;
                c[k] = s2;
                carry = c1 + c2;
            }
        }
    }

    /// @dev a − b modulo 2^2048 (wrapping).
    function _sub(uint256[WORDS] memory a, uint256[WORDS] memory b) private pure returns (uint256[WORDS] memory c) {
        uint256 borrow;
        for (uint256 i = WORDS; i > 0; --i) {
            uint256 k = i - 1;
            unchecked {
                uint256 d = a[k] - b[k];
                uint256 b1 = a[k] < b[k] ? 1 : 0;
                uint256 d2 = d - borrow;
                uint256 b2 = d < borrow ? 1 : 0;
                c[k] = d2;
                borrow = b1 + b2;
            }
        }
    }
}
