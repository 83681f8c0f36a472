#pragma once
/// \file render/certificate_html.hpp
/// A certificate as one printable A4 page: self-contained HTML (no network),
/// in Chinese, with the verification code and a QR code drawn as inline SVG
/// (libqrencode).

#include <yanxiu/certificate.hpp>
#include <yanxiu/program.hpp>

#include <string>
#include <string_view>

namespace yanxiu {

/// What a certificate's QR code carries: `verify_url` with `{code}` (and
/// `{id}`) replaced, e.g. "https://cert.example.cn/v/{code}"; empty: the
/// code alone.
[[nodiscard]] std::string certificate_qr_text(const Certificate& certificate, std::string_view verify_url);

/// The QR code of `text` as an SVG element, `size` CSS pixels square
/// (error correction level M, a quiet zone of 4 modules).  Throws
/// std::runtime_error if the text cannot be encoded.
[[nodiscard]] std::string qr_svg(std::string_view text, int size = 160);

/// One certificate's page.  `program` gives the title and the category's
/// name; `verify_url` is as for certificate_qr_text.
[[nodiscard]] std::string certificate_html(const Certificate& certificate, const Program& program,
                                           std::string_view verify_url = {});

}  // namespace yanxiu
