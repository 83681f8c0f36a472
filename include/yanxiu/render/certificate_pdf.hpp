#pragma once
/// \file render/certificate_pdf.hpp
/// A certificate as a one-page A4 PDF, saying what the HTML page says
/// (render/certificate_html.hpp): drawn by cairo, the Chinese text laid out
/// and shaped by pango (HarfBuzz) in a Noto CJK face found by fontconfig,
/// the QR code drawn as vector squares.  No browser, no network.
///
/// Part of the separate library yanxiu::pdf (it links cairo and pango, which
/// a service that only evaluates does not need); the `yanxiu` CLI's
/// `certify --pdf DIR` uses it.

#include <yanxiu/certificate.hpp>
#include <yanxiu/program.hpp>

#include <string>
#include <string_view>

namespace yanxiu {

/// The PDF's bytes.  The same certificate, programme and URL give the same
/// bytes (the document's dates are the certificate's issue instant, never
/// the clock).  Throws std::runtime_error when no installed font has Chinese
/// glyphs (Debian: fonts-noto-cjk) or cairo fails.
[[nodiscard]] std::string certificate_pdf(const Certificate& certificate, const Program& program,
                                          std::string_view verify_url = {});

}  // namespace yanxiu
