"""Writes name_pairs.csv from the hand-written rows below (run: .venv/bin/python benchmarks/data/make_name_pairs.py).

Each row: registered name | MRZ surname | MRZ given names (both as the document holder's full name would be
written by ICAO 9303 rules, by hand, upper-case A-Z) | document type | label | category.
The only computation is the MRZ field itself: ``SURNAME<<GIVEN<NAMES`` cut at the name-field width
(TD1 ID card: 30, TD3 passport: 39); ``truncated`` is true when the field is full, as a reader sees it.
Label 1: the registered name is the document holder's; 0: someone else's name.
"""

from __future__ import annotations

import csv
from pathlib import Path

WIDTH = {"ID": 30, "P": 39}

ROWS = """
# --- Kazakh, registered in Cyrillic, MRZ in ICAO 9303 (2013+) transliteration
Әлия Сейтқалиева|SEITQALIEVA|AELIIA|ID|1|kz_cyrillic
Сейтқалиева Әлия Нұрланқызы|SEITQALIEVA|AELIIA|ID|1|kz_cyrillic
Қайрат Жақсыбеков|ZHAQSYBEKOV|QAIRAT|P|1|kz_cyrillic
Ғалым Өмірзақов|OEMIRZAQOV|GALYM|P|1|kz_cyrillic
Айгерім Бекова|BEKOVA|AIGERIM|ID|1|kz_cyrillic
Нұрсұлтан Әбішев|AEBISHEV|NURSULTAN|ID|1|kz_cyrillic
Үміт Серікқызы Төлеуова|TOELEUOVA|UEMIT|P|1|kz_cyrillic
Дәурен Қасымов|QASYMOV|DAEUREN|ID|1|kz_cyrillic
Жанар Мұхамеджанова|MUKHAMEDZHANOVA|ZHANAR|P|1|kz_cyrillic
Айдана Тұрғанбаева|TURGANBAEVA|AIDANA|ID|1|kz_cyrillic
Ерлан Сәрсенбаев|SAERSENBAEV|ERLAN|ID|1|kz_cyrillic
Гүлнара Әлімжанова|AELIMZHANOVA|GUELNARA|P|1|kz_cyrillic
Ботагөз Құдайбергенова|QUDAIBERGENOVA|BOTAGOEZ|ID|1|kz_cyrillic
Асқар Мыңбаев|MYNBAEV|ASQAR|P|1|kz_cyrillic
Бақытжан Сағынтаев|SAGYNTAEV|BAQYTZHAN|P|1|kz_cyrillic
Іңкәр Қалиева|QALIEVA|INKAER|ID|1|kz_cyrillic
Арман Жұмабеков|ZHUMABEKOV|ARMAN|ID|1|kz_cyrillic
Мөлдір Тоқтарова|TOQTAROVA|MOELDIR|ID|1|kz_cyrillic
Ержан Һамитов|HAMITOV|ERZHAN|P|1|kz_cyrillic
Салтанат Әубәкірова|AEUBAEKIROVA|SALTANAT|ID|1|kz_cyrillic
Шыңғыс Оспанов|OSPANOV|SHYNGYS|ID|1|kz_cyrillic
Мағжан Ілиясов|ILIIASOV|MAGZHAN|P|1|kz_cyrillic
Ақбота Нұрмағамбетова|NURMAGAMBETOVA|AQBOTA|ID|1|kz_cyrillic
Тоқаев Қасым-Жомарт|TOQAEV|QASYM ZHOMART|P|1|kz_cyrillic
Әсем Бейсенова|BEISENOVA|AESEM|ID|1|kz_cyrillic
Жәнібек Серғазиев|SERGAZIEV|ZHAENIBEK|ID|1|kz_cyrillic
Айгүл Сейтқалиева|SEITQALIEVA|AIGERIM|ID|0|near_miss_family
Арман Жұмабеков|ZHUMABEKOV|ARSEN|ID|0|near_miss_family
Қайрат Жақсыбеков|ZHAQSYBEKOV|QANAT|P|0|near_miss_family
Дәурен Қасымов|QASYMOV|DAMIR|ID|0|near_miss_family
Әлия Сейтқалиева|SEITQALIEVA|AIGUL|ID|0|near_miss_family
Асқар Мыңбаев|MYNBAEV|ALMAS|P|0|near_miss_family
Ботагөз Құдайбергенова|QUDAIBERGENOVA|BALNUR|ID|0|near_miss_family
# --- Kazakh, registered in Kazakh Latin (2021 alphabet) or informal Latin, MRZ ICAO
Äliya Seitqalieva|SEITQALIEVA|AELIIA|ID|1|kz_latin
Aliya Seitkaliyeva|SEITQALIEVA|AELIIA|ID|1|kz_latin
Qairat Jaqsybekov|ZHAQSYBEKOV|QAIRAT|P|1|kz_latin
Kairat Zhaksybekov|ZHAQSYBEKOV|QAIRAT|P|1|kz_latin
Ğalym Ömirzaqov|OEMIRZAQOV|GALYM|P|1|kz_latin
Galym Omirzakov|OEMIRZAQOV|GALYM|P|1|kz_latin
Nursultan Äbişev|AEBISHEV|NURSULTAN|ID|1|kz_latin
Nursoltan Abishev|AEBISHEV|NURSULTAN|ID|1|kz_latin
Ümit Töleuova|TOELEUOVA|UEMIT|P|1|kz_latin
Umit Toleuova|TOELEUOVA|UEMIT|P|1|kz_latin
Gülnara Älimjanova|AELIMZHANOVA|GUELNARA|P|1|kz_latin
Gulnara Alimzhanova|AELIMZHANOVA|GUELNARA|P|1|kz_latin
Qazybek Seitov|SEITOV|QAZYBEK|ID|1|kz_latin
Kazybek Seitov|SEITOV|QAZYBEK|ID|1|kz_latin
Asqar Myñbaev|MYNBAEV|ASQAR|P|1|kz_latin
Askar Mynbayev|MYNBAEV|ASQAR|P|1|kz_latin
Möldir Toqtarova|TOQTAROVA|MOELDIR|ID|1|kz_latin
Moldir Toktarova|TOQTAROVA|MOELDIR|ID|1|kz_latin
Şyñğys Ospanov|OSPANOV|SHYNGYS|ID|1|kz_latin
Shyngys Ospanov|OSPANOV|SHYNGYS|ID|1|kz_latin
Dauren Kassymov|QASYMOV|DAEUREN|ID|1|kz_latin
Botagoz Kudaibergenova|QUDAIBERGENOVA|BOTAGOEZ|ID|1|kz_latin
Aidana Turganbayeva|TURGANBAEVA|AIDANA|ID|1|kz_latin
Erlan Sarsenbayev|SAERSENBAEV|ERLAN|ID|1|kz_latin
Yerlan Sarsenbaev|SAERSENBAEV|ERLAN|ID|1|kz_latin
Akbota Nurmagambetova|NURMAGAMBETOVA|AQBOTA|ID|1|kz_latin
Inkar Kalieva|QALIEVA|INKAER|ID|1|kz_latin
Bakhytzhan Sagyntayev|SAGYNTAEV|BAQYTZHAN|P|1|kz_latin
Zhanibek Sergaziyev|SERGAZIEV|ZHAENIBEK|ID|1|kz_latin
Janibek Sergaziev|SERGAZIEV|ZHAENIBEK|ID|1|kz_latin
Asem Beisenova|BEISENOVA|AESEM|ID|1|kz_latin
Assem Beissenova|BEISENOVA|AESEM|ID|1|kz_latin
Aigul Seitkalieva|SEITQALIEVA|AELIIA|ID|0|near_miss_family
Kanat Zhaksybekov|ZHAQSYBEKOV|QAIRAT|P|0|near_miss_family
Almas Mynbayev|MYNBAEV|ASQAR|P|0|near_miss_family
Dana Beisenova|BEISENOVA|AESEM|ID|0|near_miss_family
Nurlan Ospanov|OSPANOV|SHYNGYS|ID|0|near_miss_family
Madina Toktarova|TOQTAROVA|MOELDIR|ID|0|near_miss_family
# --- Kazakh national-style MRZ spellings (Kazakh passports without Q/AE/OE/UE), registered in Cyrillic or Latin
Нұрсұлтан Назарбаев|NAZARBAYEV|NURSULTAN|P|1|kz_national
Қасым-Жомарт Тоқаев|TOKAYEV|KASSYM ZHOMART|P|1|kz_national
Касым-Жомарт Токаев|TOKAYEV|KASSYM ZHOMART|P|1|kz_national
Әлия Жұмабаева|ZHUMABAYEVA|ALIYA|ID|1|kz_national
Äliya Jumabaeva|ZHUMABAYEVA|ALIYA|ID|1|kz_national
Ғалия Өтебаева|OTEBAYEVA|GALIYA|ID|1|kz_national
Ğaliya Ötebaeva|OTEBAYEVA|GALIYA|ID|1|kz_national
Қуаныш Әлімбеков|ALIMBEKOV|KUANYSH|P|1|kz_national
Quanyş Älimbekov|ALIMBEKOV|KUANYSH|P|1|kz_national
Үмітжан Сүлейменов|SULEIMENOV|UMITZHAN|ID|1|kz_national
Ümitjan Süleimenov|SULEIMENOV|UMITZHAN|ID|1|kz_national
Айжан Құрманғалиева|KURMANGALIYEVA|AIZHAN|ID|1|kz_national
Ayzhan Kurmangaliyeva|KURMANGALIYEVA|AIZHAN|ID|1|kz_national
Серік Ахметов|AKHMETOV|SERIK|P|1|kz_national
Serik Ahmetov|AKHMETOV|SERIK|P|1|kz_national
Аружан Төлегенова|TOLEGENOVA|ARUZHAN|ID|1|kz_national
Aruzhan Tólegenova|TOLEGENOVA|ARUZHAN|ID|1|kz_national
Әлия Жұмабаева|ZHUMABAYEVA|ALINA|ID|0|near_miss_one_letter
Серік Ахметов|AKHMETOV|BERIK|P|0|near_miss_one_letter
Аружан Төлегенова|TOLEGENOVA|ARAILYM|ID|0|near_miss_family
Айжан Құрманғалиева|KURMANGALIYEVA|AIGERIM|ID|0|near_miss_family
# --- Russian: Cyrillic / older and informal Latin spellings vs ICAO 2013 (and older) MRZ
Юлия Щукина|SHCHUKINA|IULIIA|P|1|ru_variants
Yuliya Shchukina|SHCHUKINA|IULIIA|P|1|ru_variants
Yulia Schukina|SHCHUKINA|IULIIA|P|1|ru_variants
Евгений Соколов|SOKOLOV|EVGENII|P|1|ru_variants
Yevgeniy Sokolov|SOKOLOV|EVGENII|P|1|ru_variants
Evgeny Sokolov|SOKOLOV|EVGENII|P|1|ru_variants
Наталья Ковалёва|KOVALEVA|NATALIA|P|1|ru_variants
Natalya Kovalyova|KOVALEVA|NATALIA|P|1|ru_variants
Фёдор Хабаров|KHABAROV|FEDOR|P|1|ru_variants
Fyodor Habarov|KHABAROV|FEDOR|P|1|ru_variants
Пётр Зайцев|ZAITSEV|PETR|P|1|ru_variants
Pyotr Zaytsev|ZAITSEV|PETR|P|1|ru_variants
Pyotr Zaicev|ZAITSEV|PETR|P|1|ru_variants
Алексей Кузнецов|KUZNETSOV|ALEKSEI|P|1|ru_variants
Aleksey Kuznetsov|KUZNETSOV|ALEKSEI|P|1|ru_variants
Дмитрий Жуков|ZHUKOV|DMITRII|P|1|ru_variants
Dmitriy Zhukov|ZHUKOV|DMITRII|P|1|ru_variants
Ксения Яковлева|IAKOVLEVA|KSENIIA|P|1|ru_variants
Kseniya Yakovleva|IAKOVLEVA|KSENIIA|P|1|ru_variants
Анастасия Чернышёва|CHERNYSHEVA|ANASTASIIA|P|1|ru_variants
Anastasiya Chernysheva|CHERNYSHEVA|ANASTASIIA|P|1|ru_variants
Илья Шевченко|SHEVCHENKO|ILIA|P|1|ru_variants
Ilya Shevchenko|SHEVCHENKO|ILIA|P|1|ru_variants
Юрий Гагарин|GAGARIN|IURII|P|1|ru_variants
Yuriy Gagarin|GAGARIN|IURII|P|1|ru_variants
Ярослав Цой|TSOI|IAROSLAV|P|1|ru_variants
Yaroslav Tsoy|TSOI|IAROSLAV|P|1|ru_variants
Yaroslav Coi|TSOI|IAROSLAV|P|1|ru_variants
Вячеслав Щербаков|SHCHERBAKOV|VIACHESLAV|P|1|ru_variants
Vyacheslav Scherbakov|SHCHERBAKOV|VIACHESLAV|P|1|ru_variants
Михаил Хромов|KHROMOV|MIKHAIL|P|1|ru_variants
Mikhail Khromov|KHROMOV|MIKHAIL|P|1|ru_variants
Екатерина Белоусова|BELOUSOVA|EKATERINA|P|1|ru_variants
Yekaterina Belousova|BELOUSOVA|EKATERINA|P|1|ru_variants
Ольга Воробьёва|VOROBEVA|OLGA|P|1|ru_variants
Olga Vorobyova|VOROBEVA|OLGA|P|1|ru_variants
Андрей Подъячев|PODIEIACHEV|ANDREI|P|1|ru_variants
Andrey Podyachev|PODIEIACHEV|ANDREI|P|1|ru_variants
Сергей Иванов|IVANOV|SERGEY|P|1|ru_variants
Sergei Ivanov|IVANOV|SERGEY|P|1|ru_variants
Жанна Фридман|FRIDMAN|ZHANNA|P|1|ru_variants
Janna Fridman|FRIDMAN|ZHANNA|P|1|ru_variants
Эдуард Лимонов|LIMONOV|EDUARD|P|1|ru_variants
Татьяна Сергеева|SERGEEVA|TATIANA|P|1|ru_variants
Tatyana Sergeyeva|SERGEEVA|TATIANA|P|1|ru_variants
Людмила Царёва|TSAREVA|LIUDMILA|P|1|ru_variants
Lyudmila Tsaryova|TSAREVA|LIUDMILA|P|1|ru_variants
Алёна Хохлова|KHOKHLOVA|ALENA|P|1|ru_variants
Alyona Khokhlova|KHOKHLOVA|ALENA|P|1|ru_variants
Виктор Щеглов|SHCHEGLOV|VIKTOR|P|1|ru_variants
Viktor Sheglov|SHCHEGLOV|VIKTOR|P|1|ru_variants
Юлия Щукина|SHCHUKINA|IANA|P|0|near_miss_family
Ivan Petrov|PETROV|IGOR|P|0|near_miss_family
Ирина Соколова|SOKOLOVA|IULIIA|P|0|near_miss_family
Мария Хромова|KHROMOVA|MARINA|P|0|near_miss_one_letter
Alina Ivanova|IVANOVA|ALISA|P|0|near_miss_one_letter
Дина Жукова|ZHUKOVA|DANA|P|0|near_miss_one_letter
Ирина Кузнецова|KUZNETSOVA|ARINA|P|0|near_miss_one_letter
Zarina Belousova|BELOUSOVA|KARINA|P|0|near_miss_one_letter
Ruslan Tsoi|TSOI|RUSLANA|P|0|near_miss_one_letter
Яна Сергеева|SERGEEVA|LANA|P|0|near_miss_one_letter
Elena Volkova|VOLKOVA|ALENA|P|0|near_miss_one_letter
Сергей Иванов|IVANOVA|SERGEI|P|0|near_miss_one_letter
Евгений Соколов|SOKOLOV|EVGENIIA|P|0|near_miss_one_letter
Наталья Ковалёва|KOVALEVA|NATELLA|P|0|near_miss_one_letter
Пётр Иванов|IVANOV|PAVEL|P|0|near_miss_family
Maxim Orlov|ORLOV|MIKHAIL|P|0|near_miss_family
Ольга Воробьёва|VOROBEVA|OKSANA|P|0|near_miss_family
Dmitry Zhukov|ZHUKOV|DANIIL|P|0|near_miss_family
Tatiana Sergeeva|SERGEEVA|SVETLANA|P|0|near_miss_family
Mikhail Khromov|KHROMOV|MAKSIM|P|0|near_miss_family
# --- swapped surname/given between two different people (patronymic-derived surnames)
Ivan Petrov|IVANOV|PETR|P|0|near_miss_swapped
Петр Иванов|PETROV|IVAN|P|0|near_miss_swapped
Aidos Serikov|AIDOSOV|SERIK|ID|0|near_miss_swapped
Serik Aidosov|SERIKOV|AIDOS|ID|0|near_miss_swapped
Nurlan Askarov|NURLANOV|ASKAR|ID|0|near_miss_swapped
Askar Nurlanov|ASKAROV|NURLAN|ID|0|near_miss_swapped
Ерлан Бекович Маратов|ERLANOV|MARAT|ID|0|near_miss_swapped
Marat Erlanov|MARATOV|ERLAN|ID|0|near_miss_swapped
Roman Sergeev|ROMANOV|SERGEI|P|0|near_miss_swapped
Sergei Romanov|SERGEEV|ROMAN|P|0|near_miss_swapped
Daulet Bolatov|DAULETOV|BOLAT|ID|0|near_miss_swapped
Timur Arman|TIMUROV|ARMAN|ID|0|near_miss_swapped
Mustafa Ali|MUSTAFAJ|ALI|ID|0|near_miss_swapped
Alibek Kairatov|ALIBEKOV|QAIRAT|ID|0|near_miss_swapped
# --- Albanian (ë, ç dropped or written out)
Shkëlqim Çela|CELA|SHKELQIM|ID|1|albanian
Shkelqim Cela|CELA|SHKELQIM|ID|1|albanian
Blerina Kuçi|KUCI|BLERINA|ID|1|albanian
Blerina Kuchi|KUCI|BLERINA|ID|1|albanian
Dritëro Agolli|AGOLLI|DRITERO|P|1|albanian
Dritero Agolli|AGOLLI|DRITERO|P|1|albanian
Arbër Dervishi|DERVISHI|ARBER|ID|1|albanian
Lindita Gjonçaj|GJONCAJ|LINDITA|ID|1|albanian
Dorina Tërshana|TERSHANA|DORINA|ID|1|albanian
Klodiana Çapja|CAPJA|KLODIANA|ID|1|albanian
Gëzim Krasniqi|KRASNIQI|GEZIM|P|1|albanian
Gezim Krasniqi|KRASNIQI|GEZIM|P|1|albanian
Elvis Naçi|NACI|ELVIS|ID|1|albanian
Erion Veliaj|VELIAJ|ERION|P|1|albanian
Xhevahir Spahiu|SPAHIU|XHEVAHIR|ID|1|albanian
Rrezarta Dushku|DUSHKU|RREZARTA|ID|1|albanian
Enkelejda Lleshi|LLESHI|ENKELEJDA|ID|1|albanian
Flutura Qosja|QOSJA|FLUTURA|ID|1|albanian
Besnik Mustafaj|MUSTAFAJ|BESNIK|P|1|albanian
Mustafaj Besnik|MUSTAFAJ|BESNIK|P|1|albanian
Jonida Maliqi|MALIQI|JONIDA|ID|1|albanian
Ëngjëll Hoxha|HOXHA|ENGJELL|ID|1|albanian
Arbër Dervishi|DERVISHI|ARBEN|ID|0|near_miss_one_letter
Elvis Naçi|NACI|ELVIRA|ID|0|near_miss_family
Besnik Mustafaj|MUSTAFAJ|BESIM|P|0|near_miss_family
Gëzim Krasniqi|KRASNIQI|GENC|P|0|near_miss_family
Blerina Kuçi|KUCI|BLERTA|ID|0|near_miss_family
Erion Veliaj|VELIAJ|ERJON|P|0|near_miss_one_letter
Lindita Gjonçaj|GJONAJ|LINDITA|ID|0|near_miss_one_letter
Jonida Maliqi|MALIQI|JOANA|ID|0|near_miss_family
Dorina Tërshana|TERSHANA|DORIANA|ID|0|near_miss_one_letter
Flutura Qosja|HOXHA|FLUTURA|ID|0|different_person
# --- German (umlauts as AE/OE/UE in the MRZ, ß as SS)
Jürgen Müller|MUELLER|JUERGEN|ID|1|german
Juergen Mueller|MUELLER|JUERGEN|ID|1|german
Jurgen Muller|MUELLER|JUERGEN|ID|1|german
Björn Schröder|SCHROEDER|BJOERN|P|1|german
Bjorn Schroder|SCHROEDER|BJOERN|P|1|german
Käthe Groß|GROSS|KAETHE|ID|1|german
Kaethe Gross|GROSS|KAETHE|ID|1|german
Günther Weiß|WEISS|GUENTHER|ID|1|german
Gunther Weiss|WEISS|GUENTHER|ID|1|german
Sören Bäcker|BAECKER|SOEREN|P|1|german
Jörg Hölzl|HOELZL|JOERG|ID|1|german
Anna-Lena Schäfer|SCHAEFER|ANNA LENA|ID|1|german
Anna Lena Schafer|SCHAEFER|ANNA LENA|ID|1|german
Uwe Köhler|KOEHLER|UWE|ID|1|german
Dörte Krüger|KRUEGER|DOERTE|ID|1|german
Doerte Krueger|KRUEGER|DOERTE|ID|1|german
Lukas Jäger|JAEGER|LUKAS|P|1|german
Müller Jürgen|MUELLER|JUERGEN|ID|1|german
Hans-Peter Fröhlich|FROEHLICH|HANS PETER|ID|1|german
Maximilian Böhm|BOEHM|MAXIMILIAN|P|1|german
Jörg Müller|MUELLER|JUERGEN|ID|0|near_miss_family
Björn Schröder|SCHROEDER|BERND|P|0|near_miss_family
Lukas Jäger|JAEGER|LUCAS|P|0|near_miss_one_letter
Anna Schäfer|SCHAEFER|HANNA|ID|0|near_miss_one_letter
Uwe Köhler|KOEHLER|UTE|ID|0|near_miss_family
Jürgen Müller|MOELLER|JUERGEN|ID|0|near_miss_one_letter
Sören Bäcker|BECKER|SOEREN|P|0|near_miss_one_letter
Hans Fröhlich|FROEHLICH|KLAUS|ID|0|near_miss_family
Käthe Groß|GROSS|GRETE|ID|0|near_miss_family
Maximilian Böhm|BOEHM|MARLENE|P|0|near_miss_family
# --- East African names (Kenya, Tanzania, Uganda): several given names, order swaps
Grace Njeri Wanjiku|WANJIKU|GRACE NJERI|ID|1|east_african
Wanjiku Grace Njeri|WANJIKU|GRACE NJERI|ID|1|east_african
Grace Wanjiku|WANJIKU|GRACE NJERI|ID|1|east_african
John Odhiambo Otieno|OTIENO|JOHN ODHIAMBO|P|1|east_african
Otieno John|OTIENO|JOHN ODHIAMBO|P|1|east_african
Otieno John Odhiambo|OTIENO|JOHN ODHIAMBO|P|1|east_african
Juma Hamisi Mwinyi|MWINYI|JUMA HAMISI|P|1|east_african
Mwinyi Juma|MWINYI|JUMA HAMISI|P|1|east_african
Brian Okello|OKELLO|BRIAN|ID|1|east_african
Okello Brian|OKELLO|BRIAN|ID|1|east_african
Sarah Nakato Kiggundu|KIGGUNDU|SARAH NAKATO|ID|1|east_african
Nakato Sarah Kiggundu|KIGGUNDU|SARAH NAKATO|ID|1|east_african
Robert Mugisha|MUGISHA|ROBERT|P|1|east_african
Mugisha Robert Tumwine|MUGISHA|ROBERT|P|1|east_african
Mary Akinyi Ochieng|OCHIENG|MARY AKINYI|ID|1|east_african
Akinyi Mary Ochieng|OCHIENG|MARY AKINYI|ID|1|east_african
Peter Kamau Mwangi|MWANGI|PETER KAMAU|ID|1|east_african
Peter Mwangi|MWANGI|PETER KAMAU|ID|1|east_african
Halima Salim Mohamed|MOHAMED|HALIMA SALIM|P|1|east_african
Halima Mohammed|MOHAMED|HALIMA SALIM|P|1|east_african
Neema Joseph Mushi|MUSHI|NEEMA JOSEPH|ID|1|east_african
Mushi Neema|MUSHI|NEEMA JOSEPH|ID|1|east_african
Esther Wairimu Kariuki|KARIUKI|ESTHER WAIRIMU|ID|1|east_african
Kariuki Esther Wairimu|KARIUKI|ESTHER WAIRIMU|ID|1|east_african
Daniel Kiprotich Kipchoge|KIPCHOGE|DANIEL KIPROTICH|P|1|east_african
Kiprotich Daniel Kipchoge|KIPCHOGE|DANIEL KIPROTICH|P|1|east_african
Amina Rashidi Abdallah|ABDALLAH|AMINA RASHIDI|ID|1|east_african
Amina Abdalla|ABDALLAH|AMINA RASHIDI|ID|1|east_african
Moses Ssempijja|SSEMPIJJA|MOSES|ID|1|east_african
Ssempijja Moses|SSEMPIJJA|MOSES|ID|1|east_african
Fatuma Mwajuma Said|SAID|FATUMA MWAJUMA|P|1|east_african
Joseph Kato Mukasa|MUKASA|JOSEPH KATO|ID|1|east_african
Kato Mukasa|MUKASA|JOSEPH KATO|ID|1|east_african
Grace Njeri Wanjiku|WANJIKU|MERCY NJERI|ID|0|near_miss_family
John Otieno|OTIENO|JAMES ODHIAMBO|P|0|near_miss_family
Brian Okello|OKELLO|BRENDA|ID|0|near_miss_family
Peter Mwangi|MWANGI|PAUL KAMAU|ID|0|near_miss_family
Mary Ochieng|OCHIENG|MERCY AKINYI|ID|0|near_miss_family
Moses Ssempijja|SSEMPIJJA|MUSA|ID|0|near_miss_family
Neema Mushi|MUSHI|NEEMA|ID|1|east_african
Neema Mushi|MUSHI|NEEMA|ID|1|east_african
Halima Mohamed|MOHAMED|HAMIDA SALIM|P|0|near_miss_family
Sarah Kiggundu|KIGGUNDU|SAMUEL|ID|0|near_miss_family
Daniel Kipchoge|KIPCHOGE|DAVID KIPROTICH|P|0|near_miss_family
Amina Abdallah|ABDALLAH|AMINA|ID|1|east_african
Amina Abdallah|ABDALLAH|ZAINABU|ID|0|near_miss_family
Brian Okello|OTIENO|BRIAN|ID|0|different_person
Peter Kamau|KAMAU|PETER|ID|1|east_african
Esther Kariuki|KARIUKI|ESTHER|ID|1|east_african
Esther Kariuki|KAMAU|ESTHER|ID|0|different_person
Joseph Mukasa|MUKASA|JOSEPHINE|ID|0|near_miss_family
Juma Mwinyi|MWINYI|JUMANNE|P|0|near_miss_family
# --- MRZ truncation at the name-field width (TD1 30, TD3 39)
Aigerim Kuanyshbekkyzy Nurmukhambetova|NURMUKHAMBETOVA|AIGERIM KUANYSHBEKKYZY|ID|1|truncation
Nurmukhambetova Aigerim|NURMUKHAMBETOVA|AIGERIM KUANYSHBEKKYZY|ID|1|truncation
Айгерім Нұрмұхамбетова|NURMUKHAMBETOVA|AIGERIM|ID|1|kz_cyrillic
Konstantin Aleksandrovich Konstantinopolsky|KONSTANTINOPOLSKII|KONSTANTIN ALEKSANDROVICH|ID|1|truncation
Константин Константинопольский|KONSTANTINOPOLSKII|KONSTANTIN|ID|1|truncation
Maria-Magdalena Schwarzenberg-Hohenlohe|SCHWARZENBERG HOHENLOHE|MARIA MAGDALENA|ID|1|truncation
Hubert Blaine Wolfeschlegelsteinhausen|WOLFESCHLEGELSTEINHAUSEN|HUBERT BLAINE|ID|1|truncation
Hubert Blaine Wolfeschlegelsteinhausenbergerdorff|WOLFESCHLEGELSTEINHAUSENBERGERDORFF|HUBERT BLAINE|P|1|truncation
Christopher Wanyonyi Wafula Barasa|BARASA|CHRISTOPHER WANYONYI WAFULA|ID|1|truncation
Barasa Christopher Wanyonyi Wafula|BARASA|CHRISTOPHER WANYONYI WAFULA|ID|1|truncation
Bartholomew Ssekandi Nsubuga-Kiwanuka|NSUBUGA KIWANUKA|BARTHOLOMEW SSEKANDI|ID|1|truncation
Abdulkhamitova Gulzhakhan Serikbolovna|ABDULKHAMITOVA|GULZHAKHAN SERIKBOLOVNA|ID|1|truncation
Гүлжахан Әбдулхамитова|AEBDULKHAMITOVA|GUELZHAKHAN|ID|1|kz_cyrillic
Alexandrina Evangelina Papadopoulou|PAPADOPOULOU|ALEXANDRINA EVANGELINA|ID|1|truncation
Enkelejda Mirela Hasanbelliu-Dervishaj|HASANBELLIU DERVISHAJ|ENKELEJDA MIRELA|ID|1|truncation
Mwanaisha Rehema Kassimu Mwakalinga|MWAKALINGA|MWANAISHA REHEMA KASSIMU|ID|1|truncation
Mwakalinga Mwanaisha|MWAKALINGA|MWANAISHA REHEMA KASSIMU|ID|1|truncation
Oluwaseun Adebayo Oyelaran-Ogunbanjo|OYELARAN OGUNBANJO|OLUWASEUN ADEBAYO|ID|1|truncation
Sherzodbek Nurmukhammedovich Abdurakhmanov|ABDURAKHMANOV|SHERZODBEK NURMUKHAMMEDOVICH|P|1|truncation
Gulnaz Kuanyshbekkyzy Nurmukhambetova|NURMUKHAMBETOVA|AIGERIM KUANYSHBEKKYZY|ID|0|near_miss_family
Khristofor Konstantinopolsky|KONSTANTINOPOLSKII|KONSTANTIN ALEKSANDROVICH|ID|0|near_miss_family
Maria Schwarz|SCHWARZENBERG HOHENLOHE|MARIA MAGDALENA|ID|0|different_person
Gulmira Abdulkhamitova|ABDULKHAMITOVA|GULZHAKHAN SERIKBOLOVNA|ID|0|near_miss_family
Mwanahawa Mwakalinga|MWAKALINGA|MWANAISHA REHEMA KASSIMU|ID|0|near_miss_family
Christine Barasa|BARASA|CHRISTOPHER WANYONYI WAFULA|ID|0|near_miss_family
# --- patronymics and middle names present on one side only
Иван Сергеевич Петров|PETROV|IVAN|P|1|patronymic
Ivan Sergeyevich Petrov|PETROV|IVAN|P|1|patronymic
Petrov Ivan|PETROV|IVAN SERGEEVICH|ID|1|patronymic
Айгерим Нурлановна Сейткали|SEITKALI|AIGERIM|ID|1|patronymic
Aigerim Nurlanovna Seitkali|SEITKALI|AIGERIM|ID|1|patronymic
Серік Болатұлы Ахметов|AKHMETOV|SERIK|ID|1|patronymic
Serik Bolatuly Akhmetov|AKHMETOV|SERIK|ID|1|patronymic
Aruzhan Serikkyzy Tolegenova|TOLEGENOVA|ARUZHAN|ID|1|patronymic
Анна Владимировна Смирнова|SMIRNOVA|ANNA|P|1|patronymic
Anna Smirnova|SMIRNOVA|ANNA VLADIMIROVNA|ID|1|patronymic
Olga Nikolaevna Orlova|ORLOVA|OLGA NIKOLAEVNA|ID|1|patronymic
Орлова Ольга Николаевна|ORLOVA|OLGA NIKOLAEVNA|ID|1|patronymic
Rashid Aliyev|ALIYEV|RASHID KAMAL OGLU|P|1|patronymic
Maria Elena Garcia|GARCIA|MARIA|P|1|patronymic
Maria Garcia|GARCIA|MARIA ELENA|P|1|patronymic
James Robert Smith|SMITH|JAMES|P|1|patronymic
Erlan Kairatuly Dosmukhamedov|DOSMUKHAMEDOV|ERLAN|ID|1|patronymic
Иван Сергеевич Петров|PETROV|IGOR|P|0|near_miss_family
Aigerim Nurlanovna Seitkali|SEITKALI|AIGUL|ID|0|near_miss_family
Serik Bolatuly Akhmetov|AKHMETOV|BOLAT|ID|0|near_miss_family
Anna Vladimirovna Smirnova|SMIRNOVA|ALLA|P|0|near_miss_family
Olga Orlova|ORLOVA|OKSANA NIKOLAEVNA|ID|0|near_miss_family
Maria Garcia|GARCIA|MARTA ELENA|P|0|near_miss_one_letter
James Smith|SMITH|JANE|P|0|near_miss_family
# --- hyphens, apostrophes, fillers
Sean O'Brien|OBRIEN|SEAN|P|1|punctuation
Seán Ó Briain|O BRIAIN|SEAN|P|1|punctuation
Jean-Pierre Dubois|DUBOIS|JEAN PIERRE|P|1|punctuation
Jean Pierre Dubois|DUBOIS|JEAN PIERRE|P|1|punctuation
Jeanpierre Dubois|DUBOIS|JEAN PIERRE|P|1|punctuation
Abdul Rahman Said|SAID|ABDULRAHMAN|P|1|punctuation
Abdulrahman Al-Hassan|AL HASSAN|ABDULRAHMAN|P|1|punctuation
Abdulrahman Alhassan|AL HASSAN|ABDULRAHMAN|P|1|punctuation
Priya D'Souza|DSOUZA|PRIYA|P|1|punctuation
D'Angelo Martino|MARTINO|DANGELO|P|1|punctuation
Nsubuga-Kiwanuka Bartholomew|NSUBUGA KIWANUKA|BARTHOLOMEW|ID|1|punctuation
Kassym-Zhomart Tokayev|TOKAYEV|KASSYM ZHOMART|P|1|punctuation
Sean O'Brien|OBRIEN|SEAMUS|P|0|near_miss_family
Jean-Paul Dubois|DUBOIS|JEAN PIERRE|P|0|near_miss_family
Priya D'Souza|DSOUZA|PRIYANKA|P|0|near_miss_family
# --- one typo in a real name (the matcher should ask a person: uncertain, not match)
Ivan Petrav|PETROV|IVAN|P|1|typo
Aigreim Bekova|BEKOVA|AIGERIM|ID|1|typo
Jurgen Mueler|MUELLER|JUERGEN|ID|1|typo
Brain Okello|OKELLO|BRIAN|ID|1|typo
Shkelqim Cella|CELA|SHKELQIM|ID|1|typo
Muhammad Said|SAID|MOHAMED|P|1|typo
# --- different people entirely
Alexander Smith|IVANOV|PETR|P|0|different_person
Айгерим Бекова|SEITQALIEVA|AIGERIM|ID|0|different_person
Jürgen Müller|SCHMIDT|JUERGEN|ID|0|different_person
Grace Wanjiku|ACHIENG|GRACE|ID|0|different_person
Ivan Ivanov|SIDOROV|IVAN|P|0|different_person
Gëzim Krasniqi|BERISHA|GEZIM|P|0|different_person
Нурлан Оспанов|SEITOV|NURLAN|ID|0|different_person
Maria Garcia|LOPEZ|MARIA|P|0|different_person
Erlan Sarsenbayev|ZHUMABEKOV|ERLAN|ID|0|different_person
John Mwangi|OTIENO|JOHN|P|0|different_person
Олжас Сүлейменов|SULEIMENOV|OLZHAS|P|1|kz_national
Olzhas Suleimenov|SULEIMENOV|ASKAR|P|0|near_miss_family
"""


def mrz_name(surname: str, given: str, doc: str) -> tuple[str, str, bool]:
    """The name field as the document would print it, then read back: (surname, given names, truncated)."""
    field = surname.replace(" ", "<") + ("<<" + given.replace(" ", "<") if given else "")
    width = WIDTH[doc]
    truncated = len(field) >= width and field[:width][-1] != "<"
    field = field[:width]
    primary, _, rest = field.partition("<<")
    return primary.replace("<", " ").strip(), rest.replace("<", " ").strip(), truncated


def main() -> None:
    out = Path(__file__).with_name("name_pairs.csv")
    rows = []
    seen = set()
    for line in ROWS.strip().splitlines():
        if not line or line.startswith("#"):
            continue
        registered, surname, given, doc, label, category = line.split("|")
        s, g, truncated = mrz_name(surname, given, doc)
        key = (registered, s, g)
        if key in seen:
            continue
        seen.add(key)
        rows.append([registered, s, g, int(truncated), int(label), category])
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["registered", "surname", "given_names", "truncated", "label", "category"])
        writer.writerows(rows)
    print(f"{len(rows)} rows -> {out}")


if __name__ == "__main__":
    main()
