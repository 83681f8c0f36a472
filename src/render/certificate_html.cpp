// A certificate as a printable page (include/yanxiu/render/certificate_html.hpp).

#include <yanxiu/render/certificate_html.hpp>

#include "render/certificate_page.hpp"
#include "render/common.hpp"

#include <qrencode.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace yanxiu {

namespace {

using render::escape;

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

/// "2023-01-30T20:15:00+08:00" as 2023年1月30日.
std::string chinese_date(std::string_view instant) {
    if (instant.size() < 10) return std::string(instant);
    const int year = std::stoi(std::string(instant.substr(0, 4)));
    const int month = std::stoi(std::string(instant.substr(5, 2)));
    const int day = std::stoi(std::string(instant.substr(8, 2)));
    return std::to_string(year) + "年" + std::to_string(month) + "月" + std::to_string(day) + "日";
}

}  // namespace

std::string certificate_qr_text(const Certificate& certificate, std::string_view verify_url) {
    if (verify_url.empty()) return certificate.code;
    std::string text(verify_url);
    replace_all(text, "{code}", certificate.code);
    replace_all(text, "{id}", certificate.id);
    return text;
}

namespace render {

QrModules qr_modules(std::string_view text) {
    const std::string copy(text);
    std::unique_ptr<QRcode, void (*)(QRcode*)> code(QRcode_encodeString8bit(copy.c_str(), 0, QR_ECLEVEL_M),
                                                     QRcode_free);
    if (!code) throw std::runtime_error("the QR code cannot hold " + std::to_string(text.size()) + " bytes");
    QrModules q;
    q.width = code->width;
    q.dark.resize(static_cast<std::size_t>(q.width) * q.width);
    for (std::size_t i = 0; i < q.dark.size(); ++i) q.dark[i] = code->data[i] & 1;
    return q;
}

CertificatePage certificate_page(const Certificate& c, const Program& program, std::string_view verify_url) {
    const Category* category = program.find_category(c.category);
    const std::string category_name = category && !category->label.zh.empty() ? category->label.zh : c.category;
    const std::string who = c.name.empty() ? c.participant : c.name;
    CertificatePage page;
    page.heading = "学时记录证书";
    page.programme = program.title().zh.empty() ? program.id() : program.title().zh;
    page.body = who + "（" + c.unit + "，" + category_name + "）于" + chinese_date(c.completed_at) +
                "完成本次培训，认定学习课程 " + std::to_string(c.lessons) + " 节，记录学时 " + c.hours +
                " 学时，特发此证。";
    page.rows = {{"证书编号", c.id},
                 {"参训人员编号", c.participant},
                 {"完成时间", c.completed_at},
                 {"发证时间", c.issued_at},
                 {"培训方案", c.programme_id + " " + c.programme_version}};
    if (!c.supersedes.empty()) page.rows.emplace_back("替代证书", c.supersedes);
    page.code_label = "验证码";
    page.verify_note = "扫描二维码或输入验证码核验本证书；证书记录经 Ed25519 签名（密钥 " + c.key +
                       "），任何改动都无法通过核验。";
    page.qr_text = certificate_qr_text(c, verify_url);
    return page;
}

}  // namespace render

std::string qr_svg(std::string_view text, int size) {
    const render::QrModules code = render::qr_modules(text);
    const int quiet = render::kQrQuietZone, modules = code.width + 2 * quiet;
    // One path of unit squares, one per dark module, in module coordinates.
    std::string path;
    for (int y = 0; y < code.width; ++y)
        for (int x = 0; x < code.width; ++x)
            if (code.at(x, y)) path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(size) + "\" height=\"" +
           std::to_string(size) + "\" viewBox=\"0 0 " + std::to_string(modules) + " " + std::to_string(modules) +
           "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"" + escape(text) +
           "\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

std::string certificate_html(const Certificate& c, const Program& program, std::string_view verify_url) {
    const render::CertificatePage text = render::certificate_page(c, program, verify_url);
    std::string page;
    page += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(text.heading) +
            " " + escape(c.id) + "</title>\n<style>\n"
            "@page { size: A4; margin: 0; }\n"
            "html, body { margin: 0; padding: 0; }\n"
            "body { font-family: \"Noto Serif CJK SC\", \"Noto Sans CJK SC\", \"Source Han Serif SC\", serif; color: #222; }\n"
            ".page { box-sizing: border-box; width: 210mm; height: 297mm; padding: 28mm 24mm; position: relative; "
            "border: 6mm solid #8b1a1a; }\n"
            "h1 { text-align: center; font-size: 30pt; letter-spacing: 0.4em; margin: 10mm 0 4mm; color: #8b1a1a; }\n"
            ".programme { text-align: center; font-size: 13pt; margin-bottom: 16mm; }\n"
            ".body { font-size: 15pt; line-height: 2.1; text-indent: 2em; }\n"
            "table { margin: 12mm auto 0; border-collapse: collapse; font-size: 12pt; }\n"
            "td { padding: 2mm 5mm; border-bottom: 1px solid #ccc; } td:first-child { color: #666; }\n"
            ".verify { position: absolute; left: 24mm; right: 24mm; bottom: 26mm; display: flex; "
            "align-items: center; gap: 8mm; font-size: 10pt; color: #444; }\n"
            ".code { font-family: monospace; font-size: 14pt; letter-spacing: 0.1em; color: #222; }\n"
            "@media screen { body { background: #eee; } .page { margin: 10mm auto; background: #fff; } }\n"
            "</style>\n</head>\n<body>\n<div class=\"page\">\n";
    page += "<h1>" + escape(text.heading) + "</h1>\n<div class=\"programme\">" + escape(text.programme) + "</div>\n";
    page += "<p class=\"body\">" + escape(text.body) + "</p>\n<table>\n";
    for (const auto& [label, value] : text.rows)
        page += "<tr><td>" + escape(label) + "</td><td>" + escape(value) + "</td></tr>\n";
    page += "</table>\n<div class=\"verify\">" + qr_svg(text.qr_text, 130) + "<div>" + escape(text.code_label) +
            " <span class=\"code\">" + escape(c.code) + "</span><br>" + escape(text.verify_note) + "</div></div>\n";
    page += "</div>\n</body>\n</html>\n";
    return page;
}

}  // namespace yanxiu
