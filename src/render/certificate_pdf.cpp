// A certificate as an A4 PDF (include/yanxiu/render/certificate_pdf.hpp):
// cairo draws, pango lays out and shapes the text.

#include <yanxiu/render/certificate_pdf.hpp>
#include <yanxiu/version.hpp>

#include "render/certificate_page.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace yanxiu {

namespace {

// A4 in PDF points; the page's measures in millimetres as the HTML page has them.
constexpr double kPoint = 72.0 / 25.4;  // points per millimetre
constexpr double kWidth = 210 * kPoint, kHeight = 297 * kPoint;
constexpr double kBorder = 6 * kPoint, kPadX = 24 * kPoint, kPadTop = 28 * kPoint;
constexpr const char* kSerif = "Noto Serif CJK SC, Noto Sans CJK SC, Source Han Serif SC, serif";
constexpr const char* kMono = "Noto Sans Mono CJK SC, monospace";

struct Rgb {
    double r, g, b;
};
constexpr Rgb kRed{0x8b / 255.0, 0x1a / 255.0, 0x1a / 255.0}, kInk{0x22 / 255.0, 0x22 / 255.0, 0x22 / 255.0},
    kGrey{0x66 / 255.0, 0x66 / 255.0, 0x66 / 255.0}, kRule{0xcc / 255.0, 0xcc / 255.0, 0xcc / 255.0};

template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, std::integral_constant<decltype(Free), Free>>;

void unref_layout(PangoLayout* l) { g_object_unref(l); }
void unref_font(PangoFont* f) { g_object_unref(f); }

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

void set_colour(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

/// Text laid out in a box `width` points wide; returns its height in points.
struct Text {
    std::string family = kSerif;
    double size = 12;  // points
    PangoAlignment align = PANGO_ALIGN_LEFT;
    double letter_spacing = 0;  // em
    double line_spacing = 0;    // a factor of the font's height, 0 = the font's own
    double indent = 0;          // em, first line
    bool justify = false;
    Rgb colour = kInk;
};

double draw_text(cairo_t* cr, const std::string& text, const Text& style, double x, double y, double width) {
    Owned<PangoLayout, unref_layout> layout(pango_cairo_create_layout(cr));
    Owned<PangoFontDescription, pango_font_description_free> font(pango_font_description_from_string(style.family.c_str()));
    pango_font_description_set_absolute_size(font.get(), style.size * PANGO_SCALE);
    pango_layout_set_font_description(layout.get(), font.get());
    pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout.get(), style.align);
    pango_layout_set_justify(layout.get(), style.justify);
    if (style.line_spacing > 0) pango_layout_set_line_spacing(layout.get(), static_cast<float>(style.line_spacing));
    if (style.indent != 0) pango_layout_set_indent(layout.get(), static_cast<int>(style.indent * style.size * PANGO_SCALE));
    if (style.letter_spacing != 0) {
        Owned<PangoAttrList, pango_attr_list_unref> attributes(pango_attr_list_new());
        pango_attr_list_insert(attributes.get(),
                               pango_attr_letter_spacing_new(static_cast<int>(style.letter_spacing * style.size * PANGO_SCALE)));
        pango_layout_set_attributes(layout.get(), attributes.get());
    }
    pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
    set_colour(cr, style.colour);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout.get());
    int w = 0, h = 0;
    pango_layout_get_size(layout.get(), &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
}

/// Refuses to draw Chinese in tofu: the face fontconfig picks for the serif
/// family must have the heading's glyphs.
void check_chinese_font(cairo_t* cr, const std::string& sample) {
    PangoFontMap* map = pango_cairo_font_map_get_default();
    PangoContext* context = pango_font_map_create_context(map);
    pango_cairo_update_context(cr, context);
    Owned<PangoFontDescription, pango_font_description_free> description(pango_font_description_from_string(kSerif));
    pango_font_description_set_absolute_size(description.get(), 12 * PANGO_SCALE);
    Owned<PangoFont, unref_font> font(pango_font_map_load_font(map, context, description.get()));
    g_object_unref(context);
    bool ok = static_cast<bool>(font);
    for (const char* p = sample.c_str(); ok && *p; p = g_utf8_next_char(p))
        ok = pango_font_has_char(font.get(), g_utf8_get_char(p));
    if (!ok)
        throw std::runtime_error("certificate PDF: no installed font has Chinese glyphs (install a CJK font, "
                                 "e.g. Debian's fonts-noto-cjk)");
}

}  // namespace

std::string certificate_pdf(const Certificate& c, const Program& program, std::string_view verify_url) {
    const render::CertificatePage text = render::certificate_page(c, program, verify_url);
    const render::QrModules qr = render::qr_modules(text.qr_text);

    std::string bytes;
    Owned<cairo_surface_t, cairo_surface_destroy> surface(
        cairo_pdf_surface_create_for_stream(append, &bytes, kWidth, kHeight));
    // Dates from the certificate, not the clock, so the same inputs give the same bytes.
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, (text.heading + " " + c.id).c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "yanxiu " YANXIU_VERSION_STRING);
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, c.issued_at.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_MOD_DATE, c.issued_at.c_str());
    Owned<cairo_t, cairo_destroy> owner(cairo_create(surface.get()));
    cairo_t* cr = owner.get();
    check_chinese_font(cr, text.heading + text.programme);

    // The frame: a 6 mm band in the seal's red around the whole page.
    set_colour(cr, kRed);
    cairo_set_line_width(cr, kBorder);
    cairo_rectangle(cr, kBorder / 2, kBorder / 2, kWidth - kBorder, kHeight - kBorder);
    cairo_stroke(cr);

    const double left = kBorder + kPadX, width = kWidth - 2 * left;
    double y = kBorder + kPadTop + 10 * kPoint;
    Text heading;
    heading.size = 30;
    heading.align = PANGO_ALIGN_CENTER;
    heading.letter_spacing = 0.4;
    heading.colour = kRed;
    y += draw_text(cr, text.heading, heading, left, y, width) + 4 * kPoint;
    Text programme;
    programme.size = 13;
    programme.align = PANGO_ALIGN_CENTER;
    y += draw_text(cr, text.programme, programme, left, y, width) + 16 * kPoint;
    Text body;
    body.size = 15;
    body.line_spacing = 2.1;
    body.indent = 2;
    body.justify = true;
    y += draw_text(cr, text.body, body, left, y, width) + 12 * kPoint;

    // The figures: label and value, a hairline under each row, centred as a block.
    Text label, value;
    label.size = value.size = 12;
    label.colour = kGrey;
    const double label_width = 40 * kPoint, value_width = 100 * kPoint, pad = 2 * kPoint;
    const double table_left = (kWidth - label_width - value_width) / 2;
    for (const auto& [name, content] : text.rows) {
        const double h = std::max(draw_text(cr, name, label, table_left + 5 * kPoint, y + pad, label_width - 10 * kPoint),
                                  draw_text(cr, content, value, table_left + label_width + 5 * kPoint, y + pad,
                                            value_width - 10 * kPoint));
        y += h + 2 * pad;
        set_colour(cr, kRule);
        cairo_set_line_width(cr, 0.75);
        cairo_move_to(cr, table_left, y);
        cairo_line_to(cr, table_left + label_width + value_width, y);
        cairo_stroke(cr);
    }

    // The QR code and how to verify, along the bottom.
    const double qr_size = 34 * kPoint, qr_y = kHeight - kBorder - 26 * kPoint - qr_size;
    const int modules = qr.width + 2 * render::kQrQuietZone;
    const double unit = qr_size / modules;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, left, qr_y, qr_size, qr_size);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
    for (int my = 0; my < qr.width; ++my)
        for (int mx = 0; mx < qr.width; ++mx)
            if (qr.at(mx, my))
                cairo_rectangle(cr, left + (mx + render::kQrQuietZone) * unit, qr_y + (my + render::kQrQuietZone) * unit,
                                unit, unit);
    cairo_fill(cr);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
    const double note_left = left + qr_size + 8 * kPoint, note_width = width - qr_size - 8 * kPoint;
    Text small;
    small.size = 10;
    small.colour = Rgb{0x44 / 255.0, 0x44 / 255.0, 0x44 / 255.0};
    Text code;
    code.family = kMono;
    code.size = 14;
    code.letter_spacing = 0.1;
    double note_y = qr_y + 4 * kPoint;
    const double code_label_height = draw_text(cr, text.code_label, small, note_left, note_y + 2, note_width);
    draw_text(cr, c.code, code, note_left + 12 * kPoint, note_y, note_width - 12 * kPoint);
    note_y += std::max(code_label_height, 18.0) + 4;
    small.line_spacing = 1.5;
    draw_text(cr, text.verify_note, small, note_left, note_y, note_width);

    cairo_show_page(cr);
    owner.reset();
    cairo_surface_finish(surface.get());
    if (const cairo_status_t status = cairo_surface_status(surface.get()); status != CAIRO_STATUS_SUCCESS)
        throw std::runtime_error(std::string("certificate PDF: ") + cairo_status_to_string(status));
    return bytes;
}

}  // namespace yanxiu
